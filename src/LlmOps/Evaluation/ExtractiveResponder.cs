using Microsoft.Extensions.AI;

namespace LlmOps.Evaluation;

/// <summary>
/// The offline chat model, a documented baseline rather than a model: it answers with the retrieved chunk that shares
/// the most words with the question (the search order breaking ties), cited as <c>[chunk-id]</c>, cut to
/// <see cref="ChatOptions.MaxOutputTokens"/> words when set. It reads the chunks the target retrieved from
/// <see cref="ChatOptions.AdditionalProperties"/> (<see cref="RetrievedKey"/>) and the question from the last user
/// message; with nothing retrieved it says so. Usage counts words as tokens, so cost and token graders have numbers.
/// </summary>
public sealed class ExtractiveResponder : IChatClient
{
    public const string ModelName = "extractive";
    public const string RetrievedKey = "llmops.retrieved";
    public const string NoAnswer = "I could not find this in the knowledge base.";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var question = list.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var chunks = options?.AdditionalProperties?.TryGetValue(RetrievedKey, out var value) == true && value is IReadOnlyList<RetrievedChunk> retrieved ? retrieved : [];
        var answer = Answer(question, chunks, options?.MaxOutputTokens);
        var inputWords = list.Sum(m => CountWords(m.Text));
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            ModelId = ModelName,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = inputWords, OutputTokenCount = CountWords(answer), TotalTokenCount = inputWords + CountWords(answer) },
        });
    }

    /// <summary>The extractive answer to <paramref name="question"/> from <paramref name="chunks"/>.</summary>
    public static string Answer(string question, IReadOnlyList<RetrievedChunk> chunks, int? maxWords = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0)
        {
            return NoAnswer;
        }

        var asked = AnswerText.Tokens(question).ToHashSet(StringComparer.Ordinal);
        var best = chunks[0];
        var bestOverlap = -1;
        foreach (var chunk in chunks)
        {
            var overlap = AnswerText.Tokens(chunk.Text).Distinct(StringComparer.Ordinal).Count(asked.Contains);
            if (overlap > bestOverlap)
            {
                (best, bestOverlap) = (chunk, overlap);
            }
        }

        var text = best.Text.Trim();
        if (maxWords is { } limit && limit > 0)
        {
            var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            text = words.Length <= limit ? text : string.Join(' ', words[..limit]);
        }

        return $"{text} [{best.ChunkId}]";
    }

    /// <summary>The whole answer as updates: the responder has nothing to stream.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
    }

    private static int CountWords(string? text) => string.IsNullOrEmpty(text) ? 0 : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
