namespace LlmOps.Notifications;

/// <summary>
/// Something a person should hear of. <see cref="Id"/> identifies the event itself (the same drift report, canary
/// decision or poisoned message always gives the same id), so raising it again sends nothing new. Without a
/// <see cref="Feature"/> (poison) it goes to every lifecycle that routes its kind.
/// </summary>
/// <param name="Evidence">Where the evidence is: a report's storage path, a command to run, or a URL.</param>
public sealed record NotificationEvent(string Id, string Kind, string? Feature, string Title, string Text, string? Evidence, DateTimeOffset At);
