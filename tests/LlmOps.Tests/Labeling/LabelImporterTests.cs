using System.Text;
using LlmOps.Errors;
using LlmOps.Labeling;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Labeling;

public sealed class LabelImporterTests
{
    private static readonly LabelingProject Project = new LifecycleBuilder("support").Section("""
        labeling:
          projects:
            - name: intents
              source: { review_batches: true }
              fields:
                - { name: intent, kind: categorical, values: [billing, tech, other] }
                - { name: topics, kind: multi_label, values: [refund, login, bug] }
                - { name: helpful, kind: numeric, min: 1, max: 5 }
                - { name: correction, kind: text }
              annotators: [ana, ben, "7"]
        """).Parse().Labeling[0];

    private static Task<LabelImport> Read(string text, string name, IReadOnlySet<string>? known = null) =>
        LabelImporter.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), name, Project, known);

    /// <summary>A Label Studio export as its JSON exporter writes it: several annotators per task, one cancelled.</summary>
    private const string LabelStudioExport = """
        [
          {
            "id": 101, "project": 3, "data": { "item": "T-1", "text": "Refund please" },
            "annotations": [
              { "id": 1001, "completed_by": { "id": 12, "email": "ana@example.com", "first_name": "", "last_name": "" }, "was_cancelled": false, "ground_truth": false,
                "result": [
                  { "id": "a1", "from_name": "intent", "to_name": "text", "type": "choices", "value": { "choices": ["billing"] } },
                  { "id": "a2", "from_name": "topics", "to_name": "text", "type": "taxonomy", "value": { "taxonomy": [["money", "refund"], ["login"]] } },
                  { "id": "a3", "from_name": "helpful", "to_name": "text", "type": "rating", "value": { "rating": 4 } },
                  { "id": "a4", "from_name": "correction", "to_name": "text", "type": "textarea", "value": { "text": ["Refund issued", "within 5 days."] } }
                ] },
              { "id": 1002, "completed_by": 7, "was_cancelled": false, "result": [
                  { "id": "b1", "from_name": "intent", "to_name": "text", "type": "choices", "value": { "choices": ["tech"] } } ] },
              { "id": 1003, "completed_by": { "id": 13, "email": "ben@example.com" }, "was_cancelled": true, "result": [] }
            ],
            "predictions": []
          },
          {
            "id": 102, "data": { "text": "no item field, so the task id" },
            "annotations": [
              { "id": 1004, "completed_by": { "email": "ben@example.com" }, "result": [
                  { "from_name": "intent", "type": "choices", "value": { "choices": ["refund"] } },
                  { "from_name": "mood", "type": "choices", "value": { "choices": ["happy"] } },
                  { "from_name": "helpful", "type": "rating", "value": { "rating": 9 } } ] },
              { "id": 1005, "completed_by": { "email": "zoe@example.com" }, "result": [
                  { "from_name": "intent", "type": "choices", "value": { "choices": ["other"] } } ] }
            ]
          }
        ]
        """;

    [Fact]
    public async Task LabelStudioExport_CancelledAndMultiAnnotatorTasks_ImportExactly()
    {
        var import = await Read(LabelStudioExport, "batch-1.json");

        Assert.Equal(
        [
            "T-1 ana intent billing",
            "T-1 ana topics refund|login",
            "T-1 ana helpful 4",
            "T-1 ana correction Refund issued\nwithin 5 days.",
            "T-1 7 intent tech",
        ], import.Accepted.Select(a => $"{a.Item} {a.Annotator} {a.Field} {string.Join("|", a.Values)}"));
        Assert.Equal(1, import.Cancelled);
        Assert.Equal(
        [
            ("value", "intent", "'refund' is not one of billing, tech, other"),
            ("unknown_field", "mood", "field 'mood' is not one of intent, topics, helpful, correction"),
            ("value", "helpful", "9 is outside 1 to 5"),
            ("unknown_annotator", "intent", "annotator 'zoe@example.com' is not one of ana, ben, 7"),
        ], import.Quarantined.Select(q => (q.Rule, q.Field!, q.Reason)));
        Assert.All(import.Quarantined, q => Assert.Equal(2, q.Line));
        Assert.Equal("102", import.Quarantined[0].Fields!["item"]);
    }

    [Fact]
    public async Task Rows_CsvAndJsonl_CheckedAgainstTheProject()
    {
        const string csv = """
            item,annotator,field,value
            T-1,ana,intent,billing
            T-1,ana,topics,refund|bug
            T-1,ana,topics,
            T-2,ben,topics,
            T-2,ben,intent,billing|tech
            T-3,ben,helpful,three
            T-4,,intent,tech
            T-9,ana,intent,tech
            """;

        var import = await Read(csv, "labels.csv", new HashSet<string> { "T-1", "T-2", "T-3", "T-4" });

        Assert.Equal(["T-1 ana intent billing", "T-1 ana topics refund|bug", "T-2 ben topics "], import.Accepted.Select(a => $"{a.Item} {a.Annotator} {a.Field} {string.Join("|", a.Values)}"));
        Assert.Equal(["duplicate", "value", "value", "required", "unknown_item"], import.Quarantined.Select(q => q.Rule));
        Assert.Equal([4L, 6, 7, 8, 9], import.Quarantined.Select(q => q.Line));

        var jsonl = await Read("""
            {"item": "T-1", "annotator": "ana", "field": "topics", "value": ["login", "bug"]}
            {"item": "T-1", "annotator": "ben", "field": "helpful", "value": 2.5}
            {"item": "T-1", "annotator": "ben", "field": "topics", "value": ["login", "login"]}
            not json
            """, "labels.jsonl");

        Assert.Equal(["T-1 ana topics login|bug", "T-1 ben helpful 2.5"], jsonl.Accepted.Select(a => $"{a.Item} {a.Annotator} {a.Field} {string.Join("|", a.Values)}"));
        Assert.Equal(["value", "readable"], jsonl.Quarantined.Select(q => q.Rule));
    }

    [Fact]
    public async Task LabelStudioExport_GzipBomb_IsRefusedAsTheEtlRefusesDrops()
    {
        // 20 MB of whitespace inside an array compresses far beyond the default 100:1 ratio.
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write("["u8);
            gzip.Write(Enumerable.Repeat((byte)' ', 20 << 20).ToArray());
            gzip.Write("]"u8);
        }

        compressed.Position = 0;
        var error = await Assert.ThrowsAsync<LlmOps.Ingestion.Reading.UnreadableDropException>(() => LabelImporter.ReadAsync(compressed, "export.json.gz", Project));
        Assert.Contains("decompression bomb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabelStudioExport_NotAnArray_IsAClearError()
    {
        var error = await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => Read("{\"tasks\": []}", "export.json"));
        Assert.Contains("is not a Label Studio JSON export", error.Message, StringComparison.Ordinal);
    }
}
