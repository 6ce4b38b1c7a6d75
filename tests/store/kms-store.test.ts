import { describeStoreContract } from "./store-contract";
import { startKmsEmulatorStore } from "./kms-emulator-store";

describeStoreContract("kms (emulator, real signing)", async (clock) => {
  const kms = await startKmsEmulatorStore({ clock });
  return { store: kms.store, dispose: kms.dispose };
});
