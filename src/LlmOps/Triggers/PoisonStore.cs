using LlmOps.Governance;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LlmOps.Errors;
using LlmOps.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Triggers;

/// <summary>
/// The poison queues of every triggered function, read and worked off: blob versions on blob-poison (a
/// <see cref="BlobPoisonMessage"/> each) and queue messages on &lt;queue&gt;-poison (the original body, with a
/// <see cref="PoisonNote"/> beside it). A replay runs the same handler the host runs, in this process, on the same input
/// (the poisoned blob version, the original body): done, the poison message goes; failed again, it stays with its
/// replay count up and the new error. A discard removes it and records why, by whom, in
/// llmops-hosts/poisondiscards/. Every poison queue is listed up to <see cref="MaxPerQueue"/> messages (a peek).
/// </summary>
public sealed class PoisonStore(StorageAccount storage, IServiceProvider services, TimeProvider clock)
{
    /// <summary>How many messages of one poison queue a list or a replay of --all sees (Azure's peek limit).</summary>
    public const int MaxPerQueue = 32;

    /// <summary>The poison queues and the functions that feed them: blob-poison for every blob trigger, &lt;queue&gt;-poison for each queue trigger.</summary>
    public static IEnumerable<(string PoisonQueue, FunctionDefinition? Function)> Queues() =>
        TriggerCatalog.All.Where(f => f.Kind == TriggerKind.Queue).Select(f => (StorageNames.PoisonQueueFor(f.Target), (FunctionDefinition?)f))
            .Prepend((StorageNames.BlobPoisonQueue, null));

    /// <summary>Every poisoned input (of <paramref name="function"/> only, when given), oldest first per queue.</summary>
    public async Task<IReadOnlyList<PoisonItem>> ListAsync(string? function = null, CancellationToken cancellationToken = default)
    {
        CheckFunction(function);
        var items = new List<PoisonItem>();
        foreach (var (queue, owner) in Queues())
        {
            if (owner is not null && function is not null && owner.Name != function)
            {
                continue;
            }

            PeekedMessage[] peeked;
            try
            {
                peeked = (await storage.Queue(queue).PeekMessagesAsync(MaxPerQueue, cancellationToken)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                continue;
            }

            foreach (var message in peeked)
            {
                var item = await DescribeAsync(queue, owner, message.MessageId, message.Body, message.InsertedOn, cancellationToken);
                if (function is null || item.Function == function)
                {
                    items.Add(item);
                }
            }
        }

        return items;
    }

    /// <summary>The poisoned input with poison message id <paramref name="id"/>, or a not-found error.</summary>
    public async Task<PoisonItem> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await ListAsync(null, cancellationToken)).FirstOrDefault(i => i.Id == id)
            ?? throw LlmOpsException.NotFound($"No poisoned input with id {id}. Try `llmops poison list`.");

    /// <summary>Runs the function's handler again on the input; removes it when that works, else keeps it with the new error.</summary>
    public async Task<PoisonReplayResult> ReplayAsync(string id, CancellationToken cancellationToken = default) =>
        await ReplayAsync(await GetAsync(id, cancellationToken), cancellationToken);

    /// <inheritdoc cref="ReplayAsync(string, CancellationToken)"/>
    public async Task<PoisonReplayResult> ReplayAsync(PoisonItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var governance = services.GetRequiredService<ChangeControl>();
        var caller = await governance.DemandAsync(Role.Admin, null, $"replay the poisoned input {item.Id}", cancellationToken);
        var result = await WithMessageAsync(item, async (message, queue) =>
        {
            string? error;
            try
            {
                var outcome = await DeadLetters.RunAsync(() => RunHandlerAsync(item, message, cancellationToken));
                error = outcome.DeadLetterReason;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
            }

            if (error is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                await DeleteNoteAsync(item, cancellationToken);
                return new PoisonReplayResult(item, PoisonReplayResult.Replayed, null);
            }

            await KeepAsync(item, message, queue, error, cancellationToken);
            return new PoisonReplayResult(item with { Replays = item.Replays + 1, Error = error }, PoisonReplayResult.FailedAgain, error);
        }, cancellationToken);
        await governance.RecordAsync(new AuditRecord("poison.replay", $"{item.PoisonQueue}/{item.Id}", null, result.Error, After: result.Outcome), caller, cancellationToken);
        return result;
    }

    /// <summary>Removes the input from its poison queue and records why, by whom and when.</summary>
    public async Task<PoisonReplayResult> DiscardAsync(string id, string reason, CancellationToken cancellationToken = default) =>
        await DiscardAsync(await GetAsync(id, cancellationToken), reason, cancellationToken);

    /// <inheritdoc cref="DiscardAsync(string, string, CancellationToken)"/>
    public async Task<PoisonReplayResult> DiscardAsync(PoisonItem item, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var governance = services.GetRequiredService<ChangeControl>();
        var caller = await governance.DemandAsync(Role.Admin, null, $"discard the poisoned input {item.Id}", cancellationToken);
        var by = caller.Id;
        var result = await WithMessageAsync(item, async (message, queue) =>
        {
            var at = clock.GetUtcNow();
            var record = new { item, body = message.Body.ToString(), reason, by, at };
            await storage.Container(StorageNames.HostContainer).GetBlobClient($"poisondiscards/{at:yyyy-MM-dd}/{item.PoisonQueue}/{item.Id}.json")
                .UploadAsync(BinaryData.FromObjectAsJson(record, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            await DeleteNoteAsync(item, cancellationToken);
            return new PoisonReplayResult(item, PoisonReplayResult.Discarded, null);
        }, cancellationToken);
        await governance.RecordAsync(new AuditRecord("poison.discard", $"{item.PoisonQueue}/{item.Id}", null, reason, After: result.Outcome), caller, cancellationToken);
        return result;
    }

    private static void CheckFunction(string? function)
    {
        if (function is not null && TriggerCatalog.All.All(f => f.Name != function || f.Kind is not (TriggerKind.Blob or TriggerKind.Queue)))
        {
            throw LlmOpsException.Invalid($"'{function}' is not a blob or queue function: {string.Join(", ", TriggerCatalog.All.Where(f => f.Kind is TriggerKind.Blob or TriggerKind.Queue).Select(f => f.Name))}.");
        }
    }

    /// <summary>Receives the poison message of <paramref name="item"/> (the others it had to receive are put back at once) and runs <paramref name="work"/> on it.</summary>
    private async Task<PoisonReplayResult> WithMessageAsync(PoisonItem item, Func<QueueMessage, QueueClient, Task<PoisonReplayResult>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var id = item.Id;
        var queue = storage.Queue(item.PoisonQueue);
        var received = (await queue.ReceiveMessagesAsync(MaxPerQueue, TimeSpan.FromMinutes(5), cancellationToken)).Value;
        QueueMessage? target = null;
        foreach (var message in received)
        {
            if (message.MessageId == id)
            {
                target = message;
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
            }
        }

        return target is null
            ? throw LlmOpsException.Conflict($"Poisoned input {id} is being worked on elsewhere (received by another replay or discard); try again in a few minutes.")
            : await work(target, queue);
    }

    private async Task<HandlerOutcome> RunHandlerAsync(PoisonItem item, QueueMessage message, CancellationToken cancellationToken)
    {
        var function = TriggerCatalog.All.Single(f => f.Name == item.Function);
        var handler = services.GetRequiredService(function.HandlerType);
        if (function.Kind == TriggerKind.Blob)
        {
            var poison = JsonSerializer.Deserialize<BlobPoisonMessage>(message.Body.ToString(), JsonSerializerOptions.Web)!;
            var bindings = BlobPathPattern.Parse(function.Target).Match(poison.BlobName) ?? new Dictionary<string, string>();
            return await ((IBlobTriggerHandler)handler).HandleAsync(new BlobTriggerInput(poison.ContainerName, poison.BlobName, new ETag(poison.ETag), bindings), cancellationToken);
        }

        return await ((IQueueTriggerHandler)handler).HandleAsync(
            new QueueTriggerInput(function.Target, message.MessageId, message.Body.ToString(), 1, message.InsertedOn), cancellationToken);
    }

    /// <summary>Failed again: a blob's poison message is rewritten with the new error and count; a queue message's body stays, its note changes.</summary>
    private async Task KeepAsync(PoisonItem item, QueueMessage message, QueueClient queue, string error, CancellationToken cancellationToken)
    {
        if (item.Kind == TriggerKind.Blob)
        {
            var poison = JsonSerializer.Deserialize<BlobPoisonMessage>(message.Body.ToString(), JsonSerializerOptions.Web)!;
            var updated = poison with { Error = error, Replays = poison.Replays + 1 };
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, JsonSerializer.Serialize(updated, JsonSerializerOptions.Web), TimeSpan.Zero, cancellationToken);
            return;
        }

        var note = new PoisonNote(item.Attempts ?? 0, error, item.PoisonedAt ?? clock.GetUtcNow(), item.Replays + 1);
        await storage.Container(StorageNames.HostContainer).GetBlobClient(PoisonNote.PathFor(FunctionQueue(item), item.Id))
            .UploadAsync(BinaryData.FromObjectAsJson(note, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
        await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
    }

    private async Task DeleteNoteAsync(PoisonItem item, CancellationToken cancellationToken)
    {
        if (item.Kind == TriggerKind.Queue)
        {
            await storage.Container(StorageNames.HostContainer).GetBlobClient(PoisonNote.PathFor(FunctionQueue(item), item.Id)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }

    private static string FunctionQueue(PoisonItem item) => TriggerCatalog.All.Single(f => f.Name == item.Function).Target;

    private async Task<PoisonItem> DescribeAsync(string queue, FunctionDefinition? owner, string id, BinaryData body, DateTimeOffset? insertedOn, CancellationToken cancellationToken)
    {
        if (owner is null)
        {
            BlobPoisonMessage? poison = null;
            try
            {
                poison = JsonSerializer.Deserialize<BlobPoisonMessage>(body.ToString(), JsonSerializerOptions.Web);
            }
            catch (JsonException)
            {
                // Not ours to read: shown as it is.
            }

            return poison is null
                ? new PoisonItem(id, queue, "(unknown)", TriggerKind.Blob, body.ToString(), null, "not a blob poison message", insertedOn, 0)
                : new PoisonItem(id, queue, poison.FunctionName, TriggerKind.Blob, $"{poison.ContainerName}/{poison.BlobName} ({poison.ETag})", poison.Attempts, poison.Error, poison.PoisonedAt, poison.Replays);
        }

        PoisonNote? note = null;
        try
        {
            var content = await storage.Container(StorageNames.HostContainer).GetBlobClient(PoisonNote.PathFor(owner.Target, id)).DownloadContentAsync(cancellationToken);
            note = content.Value.Content.ToObjectFromJson<PoisonNote>(JsonSerializerOptions.Web);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Poisoned by the Functions host itself: no note.
        }

        return new PoisonItem(id, queue, owner.Name, TriggerKind.Queue, body.ToString(), note?.Attempts, note?.Error, note?.PoisonedAt ?? insertedOn, note?.Replays ?? 0);
    }
}
