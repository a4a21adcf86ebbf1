using LlmOps.Cli;
using Spectre.Console;

return await LlmOpsCli.RunAsync(args, AnsiConsole.Console);
