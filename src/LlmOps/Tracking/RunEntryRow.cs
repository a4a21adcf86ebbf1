using LlmOps.Storage;

namespace LlmOps.Tracking;

/// <summary>
/// A param (RowKey <c>param|</c>key), tag (<c>tag|</c>key) or input (<c>input|</c>dataset<c>|</c>context) of a run in
/// table <c>runs</c>, in the run's partition beside its <see cref="RunRow"/>.
/// </summary>
public sealed class RunEntryRow : TableRow
{
    public string? Key { get; set; }

    public string? Value { get; set; }

    public string? DatasetId { get; set; }

    public string? Context { get; set; }
}
