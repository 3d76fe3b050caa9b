// `tfgrid identity new`: a fresh mnemonic, registered, printed with the stack config lines.
import { parseArgs } from "util";
import { commandOptions, explorerUrl, UsageError, type CliIo } from "./args";
import { configCommands, registerIdentity } from "./identity";
import { print } from "./table";

export async function identityNew(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: commandOptions(["name", "email"]),
    allowPositionals: true,
  });
  if (positionals[0] !== "new")
    throw new UsageError(
      `unknown identity command "${positionals[0] ?? ""}"; use: tfgrid identity new`,
    );
  if (!values.name)
    throw new UsageError("identity new needs --name NAME (lower case, 3+ characters)");
  const identity = await registerIdentity({
    explorerUrl: explorerUrl(values, io.env),
    name: values.name,
    email: values.email,
    uniqueSuffix: false,
  });
  print(io, values.json, identity, () =>
    [
      `Registered ${identity.name} as tid ${identity.tid} on ${identity.explorerUrl}.`,
      "The mnemonic below is the identity's private key: keep it secret, it is shown only once.",
      "",
      ...configCommands(identity),
      "",
    ].join("\n"),
  );
}
