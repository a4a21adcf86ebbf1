using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using LlmOps.Storage;

namespace LlmOps.Datasets;

/// <summary>
/// Where a spool uploads its closed parts while the records are still coming: blobs under datasets/_staging/{key}/,
/// one folder per version of a dropped blob, so a retry after a crash writes over what the crashed run left. Staged
/// parts are not a version: publishing copies them into the version's folder (a server-side copy), and the spool
/// deletes them when it is disposed. Source names cannot start with '_', so no version folder can clash.
/// </summary>
public sealed class PartStaging
{
    public const string Prefix = "_staging/";

    /// <summary>
    /// How long a staged part may stay. A run publishes or deletes its parts within minutes; an older one was left by a
    /// run killed for good (its blob overwritten or deleted before a retry). In Azure the storage account's lifecycle
    /// rule delete-staged-parts deletes them after the same two days; the local host calls <see cref="DeleteExpiredAsync"/>.
    /// </summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromDays(2);

    private readonly BlobContainerClient _container;

    private PartStaging(BlobContainerClient container, string key)
    {
        _container = container;
        Folder = $"{Prefix}{key}/";
    }

    /// <summary>
    /// When set, the spool leaves its staged parts when it is disposed: a shard's parts wait there for the drop's
    /// fan-in, which copies them into the version and deletes them (or staging expires).
    /// </summary>
    public bool Keep { get; private init; }

    /// <summary>A folder under this staging folder whose parts stay when the spool is disposed (a shard's, for its fan-in).</summary>
    public PartStaging Kept(string subfolder) => new(_container, Folder[Prefix.Length..] + subfolder.TrimEnd('/')) { Keep = true };

    /// <summary>This input's folder in the datasets container.</summary>
    public string Folder { get; }

    /// <summary>The staging folder of one version of a dropped blob.</summary>
    public static PartStaging ForDrop(StorageAccount storage, string container, string name, string etag)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{container}/{name}\n{etag}")))[..32];
        return new PartStaging(storage.Container(StorageNames.DatasetsContainer), key);
    }

    internal BlockBlobClient Part(string name) => _container.GetBlockBlobClient(Folder + name);

    /// <summary>Deletes every staged part last modified more than <paramref name="age"/> before <paramref name="now"/>; returns how many.</summary>
    public static async Task<int> DeleteExpiredAsync(StorageAccount storage, DateTimeOffset now, TimeSpan age, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var container = storage.Container(StorageNames.DatasetsContainer);
        var deleted = 0;
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix }, cancellationToken))
        {
            if (blob.Properties.LastModified is not { } modified || now - modified <= age)
            {
                continue;
            }

            try
            {
                // If-Match: a retry that has just staged the same name again keeps its part.
                await container.GetBlobClient(blob.Name).DeleteAsync(conditions: new BlobRequestConditions { IfMatch = blob.Properties.ETag }, cancellationToken: cancellationToken);
                deleted++;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Deleted by its run meanwhile, or staged again.
            }
        }

        return deleted;
    }
}
