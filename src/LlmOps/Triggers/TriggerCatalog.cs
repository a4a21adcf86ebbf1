using LlmOps.Datasets;
using LlmOps.Ingestion;
using LlmOps.Monitoring;
using LlmOps.Storage;

namespace LlmOps.Triggers;

/// <summary>
/// Every function of LlmOps, listed once. The local host runs these entries; functions/LlmOps.Functions has
/// exactly one adapter per entry with the same path, queue, schedule or route (checked by a parity test).
/// </summary>
public static class TriggerCatalog
{
    public const string IngestDrop = "IngestDrop";
    public const string IndexDatasetVersion = "IndexDatasetVersion";
    public const string Heartbeat = "Heartbeat";
    public const string Health = "Health";

    /// <summary>The heartbeat schedule is an app setting so each environment picks its own cadence.</summary>
    public const string HeartbeatScheduleSetting = "HeartbeatSchedule";

    public const string DefaultHeartbeatSchedule = "0 */5 * * * *";

    public static IReadOnlyList<FunctionDefinition> All { get; } =
    [
        FunctionDefinition.Blob<IngestDropHandler>(IngestDrop, StorageNames.RawContainer + "/{source}/{name}"),
        FunctionDefinition.Queue<DatasetVersionIndexer>(IndexDatasetVersion, StorageNames.DatasetVersionsQueue),
        FunctionDefinition.Timer<HeartbeatRecorder>(Heartbeat, "%" + HeartbeatScheduleSetting + "%"),
        FunctionDefinition.Http<HealthEndpoint>(Health, "health", FunctionAuthLevel.Anonymous, "GET"),
    ];
}
