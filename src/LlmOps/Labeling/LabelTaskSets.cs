using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmOps.Datasets;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Storage;

namespace LlmOps.Labeling;

/// <summary>
/// Task sets of a labeling project: items drawn reproducibly (seeded) from a dataset version through the project's
/// filter and sample, gold items from the project's gold file mixed in unmarked at its gold share, each item assigned to
/// <c>overlap</c> annotators with balanced loads, and written once under <c>labels/{project}/tasks/{set}/</c>: a
/// manifest, <c>tasks.json</c> for a Label Studio import of every item, and per annotator a Label Studio JSON and a CSV
/// of their items. Linked in lineage dataset -> task set. Label imports then accept only items of the project's task
/// sets.
/// </summary>
public sealed class LabelTaskSets(StorageAccount storage, LineageStore lineage, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>The folder of a project's task sets in the labels container (the LabelQA function ignores it).</summary>
    public static string FolderOf(string project) => $"{project}/tasks/";

    public async Task<TaskSetManifest> CreateAsync(LabelingProject project, string? datasetId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var datasets = new DatasetStore(storage);
        DatasetManifest version;
        if (datasetId is not null)
        {
            version = await datasets.GetAsync(datasetId, cancellationToken) ?? throw LlmOpsException.NotFound($"No dataset version '{datasetId}'.");
        }
        else if (project.Dataset is null)
        {
            throw LlmOpsException.Invalid($"Project '{project.Name}' takes its items from review batches; give a dataset version to draw from (--from dataset:...).");
        }
        else
        {
            version = await datasets.LatestAsync(project.Dataset, cancellationToken)
                ?? throw LlmOpsException.NothingToCompare($"Source '{project.Dataset}' has no dataset version yet: ingest a drop first.");
        }

        // Two passes over the version: the ids that pass the filter first, then the texts of the items drawn only, so a
        // large version's text never sits in memory whole.
        var filter = project.Filter is null ? null : LabelingFilter.TryParse(project.Filter);
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var record in datasets.ReadRecordsAsync(version, cancellationToken))
        {
            if (filter is null || filter.Matches(record.Fields))
            {
                candidates.Add(record.Id);
            }
        }

        var gold = (await LabelImporter.ReadGoldAsync(storage, project, cancellationToken)).Accepted.Select(a => a.Item).ToHashSet(StringComparer.Ordinal);
        var random = new Random(project.Seed);
        var regular = Shuffle(candidates.Where(id => !gold.Contains(id)).Order(StringComparer.Ordinal).ToList(), random);
        if (project.Sample is { } sample)
        {
            regular = [.. regular.Take(sample)];
        }

        var wanted = project.GoldShare <= 0 ? 0 : (int)Math.Round(project.GoldShare * regular.Count / (1 - project.GoldShare), MidpointRounding.AwayFromZero);
        var goldItems = Shuffle(gold.Order(StringComparer.Ordinal).ToList(), random).Take(wanted).ToList();
        var items = Shuffle([.. regular, .. goldItems], random);
        if (items.Count == 0)
        {
            throw LlmOpsException.NothingToCompare($"No item of {version.Id} passes the project's filter ({project.Filter ?? "none"}).");
        }

        var texts = await datasets.ReadTextsAsync(version, items.ToHashSet(StringComparer.Ordinal), cancellationToken);

        var assignments = TaskAssignment.Assign(items, project.Annotators, project.Overlap, project.Seed);
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { version.Id, items, assignments }))))[..12];
        var manifest = new TaskSetManifest(id, project.Name, version.Id, project.Filter, project.Seed, project.Overlap, items, [.. goldItems.Order(StringComparer.Ordinal)], assignments, clock.GetUtcNow());
        var folder = $"{FolderOf(project.Name)}{id}/";
        var labels = storage.Container(StorageNames.LabelsContainer);
        object Task(string item) => new { data = new { item, text = texts.GetValueOrDefault(item, "") } };
        await labels.GetBlobClient(folder + "tasks.json").TryCreateAsync(BinaryData.FromObjectAsJson(items.Select(Task), Json), cancellationToken: cancellationToken);
        foreach (var (annotator, assigned) in assignments)
        {
            var file = Uri.EscapeDataString(annotator);
            await labels.GetBlobClient($"{folder}{file}.json").TryCreateAsync(BinaryData.FromObjectAsJson(assigned.Select(Task), Json), cancellationToken: cancellationToken);
            var csv = new StringBuilder("item,text\n");
            foreach (var item in assigned)
            {
                csv.Append(Csv(item)).Append(',').Append(Csv(texts.GetValueOrDefault(item, ""))).Append('\n');
            }

            await labels.GetBlobClient($"{folder}{file}.csv").TryCreateAsync(BinaryData.FromString(csv.ToString()), cancellationToken: cancellationToken);
        }

        // The manifest last: a task set whose manifest exists is complete.
        if (!await labels.GetBlobClient(folder + "manifest.json").TryCreateAsync(BinaryData.FromObjectAsJson(manifest, Json), cancellationToken: cancellationToken))
        {
            manifest = (await labels.GetBlobClient(folder + "manifest.json").ReadAsync<TaskSetManifest>(cancellationToken))!;
        }

        await lineage.RecordAsync(
            new LineageEvent($"llmops.labels/{project.Name}", LineageIds.StableRunId(manifest.Node), LineageRelation.DerivedFrom,
                [new LineageDataset(version.Id)],
                [new LineageDataset(manifest.Node, new Dictionary<string, string> { ["items"] = items.Count.ToString(CultureInfo.InvariantCulture), ["gold"] = goldItems.Count.ToString(CultureInfo.InvariantCulture), ["overlap"] = project.Overlap.ToString(CultureInfo.InvariantCulture) })]),
            cancellationToken);
        return manifest;
    }

    /// <summary>Every complete task set of a project (those with a manifest), oldest first.</summary>
    public async Task<IReadOnlyList<TaskSetManifest>> ListAsync(string project, CancellationToken cancellationToken)
    {
        var labels = storage.Container(StorageNames.LabelsContainer);
        var sets = new List<TaskSetManifest>();
        await foreach (var blob in labels.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = FolderOf(project) }, cancellationToken))
        {
            if (blob.Name.EndsWith("/manifest.json", StringComparison.Ordinal) && await labels.GetBlobClient(blob.Name).ReadAsync<TaskSetManifest>(cancellationToken) is { } manifest)
            {
                sets.Add(manifest);
            }
        }

        return [.. sets.OrderBy(s => s.CreatedAt)];
    }

    /// <summary>A seeded Fisher-Yates shuffle (the same seed, the same order).</summary>
    private static List<string> Shuffle(List<string> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
