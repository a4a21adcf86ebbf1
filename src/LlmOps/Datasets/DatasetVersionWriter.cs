using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Storage;

namespace LlmOps.Datasets;

/// <summary>
/// Writes a version (through <see cref="DatasetPublisher"/>): its id derives from the content, schema and preprocessing version; parts and
/// manifest are written once (If-None-Match: *) and snapshotted. When the manifest already exists the same content
/// was published before and nothing is written.
/// </summary>
public sealed class DatasetVersionWriter(StorageAccount storage)
{
    /// <summary>Parts written or copied at once.</summary>
    private const int PartsAtOnce = 8;

    private readonly BlobContainerClient _container = storage.Container(StorageNames.DatasetsContainer);

    public static string VersionId(string source, string contentSha256, string preprocessingVersion, object schema)
    {
        var basis = $"{contentSha256}\n{preprocessingVersion}\n{JsonSerializer.Serialize(schema, JsonSerializerOptions.Web)}";
        return $"dataset:{source}@{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(basis)))[..12]}";
    }

    /// <summary>
    /// Writes the version unless it exists; returns the manifest now stored and whether this call wrote it. A part with
    /// a staged blob is copied from it server-side (a spool's staged upload, or an earlier version's part erasure keeps).
    /// </summary>
    public async Task<(DatasetManifest Manifest, bool Created)> PublishAsync(IReadOnlyList<SpooledPart> spooled, DatasetManifest draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spooled);
        ArgumentNullException.ThrowIfNull(draft);
        var folder = DatasetManifest.FolderOf(draft.Id);
        var manifestBlob = _container.GetBlobClient(folder + "manifest.json");
        if (await ReadManifestAsync(manifestBlob, cancellationToken) is { } existing)
        {
            return (existing, false);
        }

        // Several parts at a time: a server-side copy is a few round trips of waiting, and a large version has thousands.
        await Parallel.ForEachAsync(spooled, new ParallelOptions { MaxDegreeOfParallelism = PartsAtOnce, CancellationToken = cancellationToken }, async (part, token) =>
        {
            var blob = _container.GetBlobClient(folder + part.Name);
            if (part.Staged is { } staged)
            {
                await CopyOnceAsync(blob, staged, token);
            }
            else
            {
                await using var file = File.OpenRead(part.LocalPath);
                await WriteOnceAsync(blob, file, "application/gzip", token);
            }
        });

        var manifest = draft with { Parts = [.. spooled.Select(part => new DatasetPart(part.Name, part.Sha256, part.Bytes, part.Records))] };
        using (var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, Json.Indented)))
        {
            await WriteOnceAsync(manifestBlob, body, "application/json", cancellationToken);
        }

        return (manifest, true);
    }

    internal static Task<DatasetManifest?> ReadManifestAsync(BlobClient blob, CancellationToken cancellationToken) =>
        blob.ReadAsync<DatasetManifest>(cancellationToken);

    private static async Task WriteOnceAsync(BlobClient blob, Stream content, string contentType, CancellationToken cancellationToken)
    {
        // Already there: written by an earlier, interrupted run of the same content (verify would catch a difference).
        if (await blob.TryCreateAsync(content, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken))
        {
            await blob.CreateSnapshotAsync(cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Copies a staged part to its place in the version, server-side (within the account, so no data passes through
    /// this process), once: If-None-Match guards the destination, the staged upload's ETag the source.
    /// </summary>
    private static async Task CopyOnceAsync(BlobClient blob, StagedPart staged, CancellationToken cancellationToken)
    {
        CopyFromUriOperation copy;
        try
        {
            copy = await blob.StartCopyFromUriAsync(staged.Blob, new BlobCopyFromUriOptions
            {
                SourceConditions = new BlobRequestConditions { IfMatch = staged.ETag },
                DestinationConditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Already there (written by an earlier, interrupted run of the same content), or the staged part is not
            // this run's any more. The emulator answers ConditionNotMet for either condition, so look.
            if (await blob.ExistsAsync(cancellationToken))
            {
                return;
            }

            throw;
        }

        await copy.WaitForCompletionAsync(cancellationToken);
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        if (properties.Value.CopyStatus != CopyStatus.Success)
        {
            // A failed copy leaves an empty blob under the part's name: remove it, so a retry copies again.
            await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken);
            throw new RequestFailedException(500, $"Copying the staged part to {blob.Name} ended {properties.Value.CopyStatus}: {properties.Value.CopyStatusDescription}");
        }

        await blob.CreateSnapshotAsync(cancellationToken: cancellationToken);
    }

    private static class Json
    {
        public static readonly JsonSerializerOptions Indented = new(JsonSerializerOptions.Web) { WriteIndented = true };
    }
}
