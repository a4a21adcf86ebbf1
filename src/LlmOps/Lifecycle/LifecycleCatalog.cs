using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Errors;
using LlmOps.Governance;
using LlmOps.Lineage;
using LlmOps.Storage;

namespace LlmOps.Lifecycle;

/// <summary>
/// The lifecycle files in <c>config/lifecycles/</c>, parsed once per version (ETag) and searched by source name or
/// drop path. A file that no longer parses is skipped (and listed in <see cref="InvalidFiles"/>), so one bad file
/// never stops the other features' ingestion or drift checks.
/// </summary>
public sealed class LifecycleCatalog(StorageAccount storage, ChangeControl governance, LineageStore lineage) : IDisposable, IChangeApplier
{
    private readonly BlobContainerClient _container = storage.Container(StorageNames.ConfigContainer);
    private readonly Dictionary<string, (ETag ETag, LifecycleDefinition? Lifecycle, string? Error)> _parsed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The lifecycle and source definition for <paramref name="source"/>, or null when no lifecycle declares it.</summary>
    public async Task<(LifecycleDefinition Lifecycle, SourceDefinition Source)?> FindSourceAsync(string source, CancellationToken cancellationToken)
    {
        foreach (var lifecycle in await LoadAllAsync(cancellationToken))
        {
            if (lifecycle.Source(source) is { } definition)
            {
                return (lifecycle, definition);
            }
        }

        return null;
    }

    /// <summary>
    /// A drop's source and its lifecycle from one read of the lifecycles: the source whose <c>path</c> is the longest
    /// prefix of <c>container/name</c>, else <paramref name="fallbackSource"/> by name (the trigger's first folder);
    /// <c>Definition</c> is null when no lifecycle declares it.
    /// </summary>
    public async Task<(string Source, (LifecycleDefinition Lifecycle, SourceDefinition Source)? Definition)> ResolveDropAsync(string container, string name, string fallbackSource, CancellationToken cancellationToken)
    {
        var all = await LoadAllAsync(cancellationToken);
        if (SourceForBlob(all, container, name) is { } byPath)
        {
            return (byPath.Source.Name, byPath);
        }

        return (fallbackSource, all.Where(l => l.Source(fallbackSource) is not null).Select(l => ((LifecycleDefinition, SourceDefinition)?)(l, l.Source(fallbackSource)!)).FirstOrDefault());
    }

    /// <summary>How many times the published lifecycles were read from storage (listed, and parsed where changed).</summary>
    internal long Loads => Interlocked.Read(ref _loads);

    private long _loads;

    private static (LifecycleDefinition Lifecycle, SourceDefinition Source)? SourceForBlob(List<LifecycleDefinition> all, string container, string name)
    {
        var blobPath = $"{container}/{name}";
        return all.SelectMany(l => l.Sources.Select(s => (Lifecycle: l, Source: s)))
            .Where(x => blobPath.StartsWith(x.Source.Path.EndsWith('/') ? x.Source.Path : x.Source.Path + "/", StringComparison.Ordinal))
            .OrderByDescending(x => x.Source.Path.Length)
            .Select(x => ((LifecycleDefinition, SourceDefinition)?)(x.Lifecycle, x.Source))
            .FirstOrDefault();
    }

    /// <summary>Published lifecycle files that do not parse, with the reason: they are skipped until fixed.</summary>
    public IReadOnlyDictionary<string, string> InvalidFiles
    {
        get
        {
            lock (_parsed)
            {
                return _parsed.Where(p => p.Value.Error is not null).ToDictionary(p => p.Key, p => p.Value.Error!, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Every published lifecycle.</summary>
    public async Task<IReadOnlyList<LifecycleDefinition>> ListAsync(CancellationToken cancellationToken) => await LoadAllAsync(cancellationToken);

    /// <summary>The published lifecycle of <paramref name="feature"/>, or null.</summary>
    public async Task<LifecycleDefinition?> GetAsync(string feature, CancellationToken cancellationToken) =>
        (await LoadAllAsync(cancellationToken)).FirstOrDefault(l => string.Equals(l.Feature, feature, StringComparison.Ordinal));

    /// <summary>
    /// Validates a lifecycle file and stores it as config/lifecycles/{feature}.yaml. A source name or path that another
    /// feature's lifecycle already declares is refused (a drop must belong to one feature), and so is a labeling project name.
    /// </summary>
    public async Task<LifecycleDefinition> PublishAsync(string yaml, string fileName, CancellationToken cancellationToken) =>
        await PublishAsync(yaml, fileName, force: false, cancellationToken);

    /// <summary>
    /// As <see cref="PublishAsync(string, string, CancellationToken)"/>; a republish that breaks the schema of a source
    /// (a source, or a required field, removed or retyped) is refused unless <paramref name="force"/>d, and a forced one
    /// needs at least one approval. Each publish that changes the file is a version, <c>lifecycle:&lt;feature&gt;/N</c>,
    /// kept write-once under <c>config/lifecycle-versions/</c> and linked to the one before in lineage.
    /// </summary>
    public async Task<LifecycleDefinition> PublishAsync(string yaml, string fileName, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var lifecycle = LifecycleParser.Parse(yaml, fileName);

        // The published lifecycle's governance decides (a new one could otherwise drop its own approvals).
        var all = await LoadAllAsync(cancellationToken);
        var published = all.FirstOrDefault(l => l.Feature == lifecycle.Feature);
        var settings = published?.Governance ?? GovernanceSettings.None;
        var breaks = published is null ? [] : SchemaChanges.Breaking(published, lifecycle);
        if (breaks.Count > 0 && !force)
        {
            throw LlmOpsException.Conflict(
                $"{fileName} breaks the schema the published lifecycle of {lifecycle.Feature} gave its data: {string.Join("; ", breaks)}. "
                + "Publish it with --force to request the change; it then needs an approval.");
        }

        var caller = await governance.DemandChangeAsync(
            PublishChange, lifecycle.Feature, $"lifecycle:{lifecycle.Feature}",
            new Dictionary<string, string> { ["yaml"] = yaml, ["file"] = fileName, ["force"] = force ? "true" : "false" },
            breaks.Count > 0 ? $"{fileName}, forced past: {string.Join("; ", breaks)}" : fileName,
            breaks.Count > 0 ? Math.Max(1, settings.Approvals) : settings.Approvals, settings.ApproverRole,
            $"publish the lifecycle of {lifecycle.Feature}", cancellationToken);
        var others = all.Where(l => l.Feature != lifecycle.Feature).ToList();
        var clashes = new List<LifecycleError>();
        for (var i = 0; i < lifecycle.Sources.Count; i++)
        {
            var source = lifecycle.Sources[i];
            if (others.FirstOrDefault(o => o.Sources.Any(s => s.Name == source.Name || s.Path == source.Path)) is { } owner)
            {
                var line = yaml.Split('\n').Select((text, n) => (text, n)).FirstOrDefault(l => l.text.Contains(source.Name, StringComparison.Ordinal)).n + 1;
                clashes.Add(new LifecycleError(line, 1, $"sources[{i}]", $"a source name and path no other feature declares (feature '{owner.Feature}' declares it)", source.Name));
            }
        }

        for (var i = 0; i < lifecycle.Labeling.Count; i++)
        {
            var project = lifecycle.Labeling[i];
            if (others.FirstOrDefault(o => o.LabelingProject(project.Name) is not null) is { } owner)
            {
                var line = yaml.Split('\n').Select((text, n) => (text, n)).FirstOrDefault(l => l.text.Contains(project.Name, StringComparison.Ordinal)).n + 1;
                clashes.Add(new LifecycleError(line, 1, $"labeling.projects[{i}].name", $"a project name no other feature declares (feature '{owner.Feature}' declares it): label files under labels/{{project}}/ must belong to one project", project.Name));
            }
        }

        if (clashes.Count > 0)
        {
            throw new LifecycleValidationException(fileName, clashes);
        }

        var blob = _container.GetBlobClient($"{StorageNames.LifecyclePrefix}{lifecycle.Feature}.yaml");
        var (previous, previousHash) = await LatestVersionAsync(lifecycle.Feature, cancellationToken);
        var hash = ContentHash(yaml);
        if (previousHash == hash && await blob.ExistsAsync(cancellationToken))
        {
            // The same file again: no new version, nothing changed.
            return lifecycle;
        }

        var version = await WriteVersionAsync(lifecycle.Feature, previous + 1, yaml, cancellationToken);
        await blob.UploadAsync(BinaryData.FromString(yaml), overwrite: true, cancellationToken);
        var versionId = VersionId(lifecycle.Feature, version);
        await lineage.RecordAsync(
            new LineageEvent(
                $"llmops.lifecycle/{lifecycle.Feature}",
                LineageIds.StableRunId(versionId),
                LineageRelation.DerivedFrom,
                previous == 0 ? [] : [new LineageDataset(VersionId(lifecycle.Feature, previous))],
                [new LineageDataset(versionId, new Dictionary<string, string> { ["sha256"] = hash, ["file"] = fileName, ["by"] = caller.Id, ["forced"] = breaks.Count > 0 ? "true" : "false" })]),
            cancellationToken);
        await governance.RecordAsync(
            new AuditRecord(PublishChange, $"lifecycle:{lifecycle.Feature}", lifecycle.Feature, fileName, previous == 0 ? null : VersionId(lifecycle.Feature, previous), versionId), caller, cancellationToken);
        return lifecycle;
    }

    /// <summary>The id of version <paramref name="version"/> of a feature's lifecycle.</summary>
    public static string VersionId(string feature, int version) => $"lifecycle:{feature}/{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The newest version number of a feature's lifecycle (0: none) and its content hash.</summary>
    public async Task<(int Version, string? Hash)> LatestVersionAsync(string feature, CancellationToken cancellationToken)
    {
        var latest = 0;
        await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = VersionsPrefix(feature) }, cancellationToken))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(item.Name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                latest = Math.Max(latest, n);
            }
        }

        if (latest == 0)
        {
            return (0, null);
        }

        var content = (await _container.GetBlobClient(VersionBlob(feature, latest)).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        return (latest, ContentHash(content));
    }

    /// <summary>Writes the version write-once from <paramref name="version"/> up: a concurrent publish that took a number makes this one take the next.</summary>
    private async Task<int> WriteVersionAsync(string feature, int version, string yaml, CancellationToken cancellationToken)
    {
        for (; ; version++)
        {
            if (await _container.GetBlobClient(VersionBlob(feature, version)).TryCreateAsync(BinaryData.FromString(yaml), cancellationToken: cancellationToken))
            {
                return version;
            }
        }
    }

    private static string VersionsPrefix(string feature) => $"lifecycle-versions/{feature}/";

    private static string VersionBlob(string feature, int version) => VersionsPrefix(feature) + version.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + ".yaml";

    public void Dispose() => _gate.Dispose();

    private const string PublishChange = "lifecycle.publish";

    IReadOnlyCollection<string> IChangeApplier.Kinds => [PublishChange];

    async Task<string> IChangeApplier.ApplyAsync(ChangeRequest request, CancellationToken cancellationToken)
    {
        var lifecycle = await PublishAsync(request.Parameters["yaml"], request.Parameters["file"], request.Parameters.GetValueOrDefault("force") == "true", cancellationToken);
        return VersionId(lifecycle.Feature, (await LatestVersionAsync(lifecycle.Feature, cancellationToken)).Version);
    }

    /// <summary>How the audit log names a lifecycle file's content.</summary>
    private static string ContentHash(string yaml) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(yaml)))[..16];

    private async Task<List<LifecycleDefinition>> LoadAllAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _loads);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var lifecycles = new List<LifecycleDefinition>();
            // One listing (a container that does not exist yet holds no lifecycle): read where they changed.
            await foreach (var item in ListOrNone(_container.GetBlobsAsync(new GetBlobsOptions { Prefix = StorageNames.LifecyclePrefix }, cancellationToken)))
            {
                if (item.Properties.ETag is not { } etag)
                {
                    continue;
                }

                if (!_parsed.TryGetValue(item.Name, out var cached) || cached.ETag != etag)
                {
                    var content = await _container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
                    try
                    {
                        cached = (etag, LifecycleParser.Parse(content.Value.Content.ToString(), item.Name), null);
                    }
                    catch (LifecycleValidationException ex)
                    {
                        cached = (etag, null, ex.Message);
                    }

                    lock (_parsed)
                    {
                        _parsed[item.Name] = cached;
                    }
                }

                if (cached.Lifecycle is { } parsed)
                {
                    lifecycles.Add(parsed);
                }
            }

            return lifecycles;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async IAsyncEnumerable<BlobItem> ListOrNone(AsyncPageable<BlobItem> items)
    {
        await using var listing = items.GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await listing.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                yield break;
            }

            yield return listing.Current;
        }
    }
}
