using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Storage;

namespace LlmOps.Lifecycle;

/// <summary>
/// The lifecycle files in <c>config/lifecycles/</c>, parsed once per version (ETag) and searched by source name.
/// </summary>
public sealed class LifecycleCatalog(StorageAccount storage) : IDisposable
{
    private readonly BlobContainerClient _container = storage.Container(StorageNames.ConfigContainer);
    private readonly Dictionary<string, (ETag ETag, LifecycleDefinition Lifecycle)> _parsed = new(StringComparer.Ordinal);
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

    /// <summary>Every published lifecycle.</summary>
    public async Task<IReadOnlyList<LifecycleDefinition>> ListAsync(CancellationToken cancellationToken) => await LoadAllAsync(cancellationToken);

    /// <summary>The published lifecycle of <paramref name="feature"/>, or null.</summary>
    public async Task<LifecycleDefinition?> GetAsync(string feature, CancellationToken cancellationToken) =>
        (await LoadAllAsync(cancellationToken)).FirstOrDefault(l => string.Equals(l.Feature, feature, StringComparison.Ordinal));

    /// <summary>Validates a lifecycle file and stores it as config/lifecycles/{feature}.yaml.</summary>
    public async Task<LifecycleDefinition> PublishAsync(string yaml, string fileName, CancellationToken cancellationToken)
    {
        var lifecycle = LifecycleParser.Parse(yaml, fileName);
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _container.GetBlobClient($"{StorageNames.LifecyclePrefix}{lifecycle.Feature}.yaml")
            .UploadAsync(BinaryData.FromString(yaml), overwrite: true, cancellationToken);
        return lifecycle;
    }

    public void Dispose() => _gate.Dispose();

    private async Task<List<LifecycleDefinition>> LoadAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var lifecycles = new List<LifecycleDefinition>();
            if (!await _container.ExistsAsync(cancellationToken))
            {
                return lifecycles;
            }

            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = StorageNames.LifecyclePrefix }, cancellationToken))
            {
                if (item.Properties.ETag is not { } etag)
                {
                    continue;
                }

                if (!_parsed.TryGetValue(item.Name, out var cached) || cached.ETag != etag)
                {
                    var content = await _container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
                    cached = (etag, LifecycleParser.Parse(content.Value.Content.ToString(), item.Name));
                    _parsed[item.Name] = cached;
                }

                lifecycles.Add(cached.Lifecycle);
            }

            return lifecycles;
        }
        finally
        {
            _gate.Release();
        }
    }
}
