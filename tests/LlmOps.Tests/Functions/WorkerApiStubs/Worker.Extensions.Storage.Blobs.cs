// Microsoft.Azure.Functions.Worker.Extensions.Storage.Blobs (6.x).
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker
{
    public enum BlobTriggerSource
    {
        LogsAndContainerScan,
        EventGrid,
    }

    public sealed class BlobTriggerAttribute : TriggerBindingAttribute
    {
        public BlobTriggerAttribute(string blobPath) => BlobPath = blobPath;

        public string BlobPath { get; }

        public string? Connection { get; set; }

        public BlobTriggerSource Source { get; set; }
    }

    public sealed class BlobInputAttribute : InputBindingAttribute
    {
        public BlobInputAttribute(string blobPath) => BlobPath = blobPath;

        public string BlobPath { get; }

        public string? Connection { get; set; }
    }
}
