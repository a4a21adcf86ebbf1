using LlmOps.Triggers;
using LlmOps.Telemetry;

namespace LlmOps.Labeling;

/// <summary>
/// The blob trigger on labels/{project}/{name}: imports the label file and re-runs the project's QA (the gold file only
/// re-runs it). An unknown project or unreadable file is reported in quarantine and dead-lettered at once.
/// </summary>
public sealed class LabelQaHandler(LabelQualityCheck qa) : IBlobTriggerHandler
{
    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        using var span = LlmOpsTelemetry.Labeling.StartActivity("label qa");
        span?.SetTag("llmops.blob", blob.Path);
        await qa.ImportAsync(blob.Container, blob.Name, blob.ETag, cancellationToken);
        return HandlerOutcome.Done;
    }
}
