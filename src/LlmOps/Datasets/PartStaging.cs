using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
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

    private readonly BlobContainerClient _container;

    private PartStaging(BlobContainerClient container, string key)
    {
        _container = container;
        Folder = $"{Prefix}{key}/";
    }

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
}
