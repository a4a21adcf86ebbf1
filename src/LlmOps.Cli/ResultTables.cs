using LlmOps.Datasets;
using LlmOps.Ingestion;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>How ingestion results and dataset versions are shown.</summary>
internal static class ResultTables
{
    public static Table Ingestion(IngestionResult result)
    {
        var table = new Table().AddColumns("Ingestion", "").Border(TableBorder.Rounded);
        table.AddRow("Status", Markup.Escape(result.Status.ToString()));
        table.AddRow("Drop", Markup.Escape($"{result.BlobName} ({result.BlobETag})"));
        table.AddRow("Version", Markup.Escape(result.Version?.Id ?? "(none)"));
        table.AddRow("Read / accepted / quarantined", $"{result.Counts.Read} / {result.Counts.Accepted} / {result.Counts.Quarantined}");
        table.AddRow("Updated (id in the previous version, new content)", $"{result.Counts.Updated}");
        table.AddRow("Quarantine reasons", Markup.Escape(Describe(result.Counts.QuarantinedByRule)));
        table.AddRow("PII redacted", Markup.Escape(Describe(result.Counts.Pii)));
        if (result.Reason is not null)
        {
            table.AddRow("Reason", Markup.Escape(result.Reason));
        }

        if (result.QuarantineFolder is not null)
        {
            table.AddRow("Quarantine", Markup.Escape("quarantine/" + result.QuarantineFolder));
        }

        return table;
    }

    public static Table Manifest(DatasetManifest manifest)
    {
        var table = new Table().AddColumns("Dataset version", Markup.Escape(manifest.Id)).Border(TableBorder.Rounded);
        table.AddRow("Feature / source", Markup.Escape($"{manifest.Feature} / {manifest.Source}"));
        table.AddRow("Preprocessing", Markup.Escape(manifest.PreprocessingVersion));
        table.AddRow("Records / chunks / tokens", $"{manifest.Records} / {manifest.Chunks} / {manifest.Tokens}");
        table.AddRow("Source blob", Markup.Escape($"{manifest.SourceBlob} ({manifest.SourceETag})"));
        table.AddRow("Quality", Markup.Escape($"read {manifest.Quality.Read}, quarantined {manifest.Quality.Quarantined} ({manifest.Quality.QuarantineRate:P1}, limit {manifest.Quality.MaxQuarantineRate:P1}); {Describe(manifest.Quality.QuarantinedByRule)}"));
        table.AddRow("PII redacted", Markup.Escape(Describe(manifest.Pii)));
        table.AddRow("Languages", Markup.Escape(Describe(manifest.Languages)));
        table.AddRow("Schema", Markup.Escape(string.Join(", ", manifest.Schema.Select(f => $"{f.Name}:{f.Type}{(f.Required ? "!" : "")}"))));
        foreach (var part in manifest.Parts)
        {
            table.AddRow(Markup.Escape(part.Name), Markup.Escape($"{part.Records} records, {part.Bytes} bytes, sha256 {part.Sha256}"));
        }

        table.AddRow("Created", manifest.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        return table;
    }

    private static string Describe(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
}
