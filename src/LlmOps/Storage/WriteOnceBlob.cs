using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace LlmOps.Storage;

/// <summary>Write-once uploads (If-None-Match: *): the first writer wins and the others learn the blob exists.</summary>
public static class WriteOnceBlob
{
    /// <summary>Creates the blob unless it exists; true when this call created it.</summary>
    public static Task<bool> TryCreateAsync(this BlobClient blob, BinaryData content, BlobUploadOptions? options = null, CancellationToken cancellationToken = default) =>
        TryAsync(() => blob.UploadAsync(content, WithIfNoneMatch(options), cancellationToken));

    /// <inheritdoc cref="TryCreateAsync(BlobClient, BinaryData, BlobUploadOptions?, CancellationToken)"/>
    public static Task<bool> TryCreateAsync(this BlobClient blob, Stream content, BlobUploadOptions? options = null, CancellationToken cancellationToken = default) =>
        TryAsync(() => blob.UploadAsync(content, WithIfNoneMatch(options), cancellationToken));

    private static BlobUploadOptions WithIfNoneMatch(BlobUploadOptions? options)
    {
        options ??= new BlobUploadOptions();
        options.Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        return options;
    }

    private static async Task<bool> TryAsync(Func<Task<Response<BlobContentInfo>>> upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        try
        {
            await upload();
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}
