using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;

namespace LlmOps.Storage;

/// <summary>Small JSON documents kept as blobs (manifests, receipts, schedule status, keys).</summary>
public static class BlobJson
{
    /// <summary>The blob's JSON content, or null when the blob does not exist.</summary>
    public static async Task<T?> ReadAsync<T>(this BlobClient blob, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<T>(JsonSerializerOptions.Web);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
