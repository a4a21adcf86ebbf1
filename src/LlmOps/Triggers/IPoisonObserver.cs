namespace LlmOps.Triggers;

/// <summary>
/// Told of every input put on a poison queue, after it is there (<see cref="DeadLetters"/>): the notifications raise
/// the poison event through it. A failure here must not undo the poisoning, so implementations are best effort.
/// </summary>
public interface IPoisonObserver
{
    /// <param name="id">The poisoning's own id: the same input poisoned again gives the same id.</param>
    /// <param name="queue">The queue the input came from (blob-poison for a blob version).</param>
    /// <param name="evidence">The command that shows the poisoned input.</param>
    Task PoisonedAsync(string id, string queue, string title, string reason, string evidence, CancellationToken cancellationToken);
}
