using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Notifications;

/// <summary>Raises a <see cref="NotificationKinds.Poison"/> event for every poisoned input, to each lifecycle that routes it.</summary>
public sealed class PoisonNotifier(NotificationOutbox notifications, TimeProvider clock) : IPoisonObserver
{
    public async Task PoisonedAsync(string id, string queue, string title, string reason, string evidence, CancellationToken cancellationToken)
    {
        // Not for the notifications' own queue: a channel that keeps failing would otherwise be told about itself forever.
        if (queue == StorageNames.NotificationsQueue)
        {
            return;
        }

        await notifications.RaiseAsync(new NotificationEvent(id, NotificationKinds.Poison, null, title, reason, evidence, clock.GetUtcNow()), cancellationToken);
    }
}
