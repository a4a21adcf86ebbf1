using System.CommandLine;
using System.Text.Json;
using LlmOps.Evaluation;
using Spectre.Console;
using LlmOps.Triggers;

namespace LlmOps.Cli;

/// <summary>`llmops gate check CANDIDATE [--baseline champion] [--format table|json|markdown] [--output FILE]`: exit 0 passed, 3 refused.</summary>
internal static class GateCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var candidate = new Argument<string>("candidate") { Description = "The prompt version to release: prompt:<name>/<n> (or @alias)." };
        var baseline = new Option<string?>("--baseline") { Description = "What it must not be worse than: champion (default), an alias, or a version prompt:<name>/<n>. Without a champion yet, only absolute bounds apply." };
        var format = new Option<string>("--format") { Description = "table, json or markdown (a pull-request comment).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "markdown");
        var output = new Option<FileInfo?>("--output") { Description = "Also write the markdown summary to this file." };
        var options = new EvaluationOptions();
        var check = new Command("check", "Evaluate a candidate and its baseline on the same set and apply the lifecycle's gates with paired 95% intervals (and McNemar for pass/fail graders); exit 0 pass, 3 refused. The decision is stored as evidence (gate:... in lineage).") { candidate, baseline, format, output, connection };
        foreach (var option in options.All)
        {
            check.Options.Add(option);
        }

        check.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var shape = parse.GetValue(format)!;
            var name = parse.GetValue(candidate)!;
            var against = parse.GetValue(baseline);
            var reference = against is null or "champion" ? null : against.Contains(':', StringComparison.Ordinal) ? against : $"{name.Split('/', '@')[0]}@{against}";
            var report = await services.Gates.CheckAsync(name, reference, options.Read(parse), shape == "table" ? new Progress<string>(line => console.MarkupLineInterpolated($"[grey]{line}[/]")) : null, cancellationToken);
            var markdown = GateReportMarkdown.Render(report);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, markdown, cancellationToken);
            }

            switch (shape)
            {
                case "json":
                    console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));
                    break;
                case "markdown":
                    console.Profile.Out.Writer.Write(markdown);
                    break;
                default:
                    console.Write(GateTables.Report(report));
                    if (report.Passed)
                    {
                        console.MarkupLineInterpolated($"[green]Passed[/]: {report.Candidate} meets every release gate. Evidence: {report.Id} (llmops lineage {report.Id}).");
                    }
                    else
                    {
                        console.MarkupLineInterpolated($"[red]Refused[/]: {report.Candidate} fails {report.Failures.Count()} gate(s). Evidence: {report.Id} (llmops lineage {report.Id}).");
                        GateTables.Failures(console, report);
                    }

                    break;
            }

            return report.Passed ? 0 : Triggers.ErrorMapping.ExitCode(Errors.ErrorCode.GateRefused);
        }));
        return new Command("gate", "Release gates: a candidate against the champion on the same evaluation set; a shadow version against the answers it shadowed in production.") { check, RegistryCommand.Shadow(console) };
    }
}
