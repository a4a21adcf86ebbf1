namespace LlmOps.Triggers;

/// <summary>A queue message as a handler sees it: text body, id and how many times it was dequeued.</summary>
public sealed record QueueTriggerInput(string Queue, string MessageId, string Body, long DequeueCount, DateTimeOffset? InsertedOn);
