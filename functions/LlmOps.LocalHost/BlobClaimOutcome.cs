namespace LlmOps.LocalHost;

internal enum BlobClaimOutcome
{
    Claimed,
    Done,
    Busy,
}
