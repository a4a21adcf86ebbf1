using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.AI.OpenAI;
using LlmOps.Client;
using LlmOps.Embeddings;
using Microsoft.Extensions.AI;

namespace SupportBot;

/// <summary>One question and what became of it: the answer, or the guardrail that blocked it; the trace to score.</summary>
public sealed record Answered(string Unit, string Question, string? Answer, string? PromptVersion, string? TraceId, string? BlockedBy);

/// <summary>
/// The whole app: retrieve tickets from LlmOps' index (<c>GET /api/search</c>), answer with a chat model wrapped in
/// <c>UseLlmOps</c>. The middleware picks the deployed prompt version for the user, fills it with the tickets, guards
/// the question and the answer, and sends LlmOps a trace of each call (tokens, cost, latency, safety flags).
/// </summary>
public static class SupportBotApp
{
    public const string Feature = "support-answers";
    public const string Prompt = "prompt:support-answer";

    public static async Task<IReadOnlyList<Answered>> RunAsync(Uri llmops, string key, Uri openAi, string openAiKey, IEnumerable<(string Unit, string Question)> questions, CancellationToken cancellationToken = default)
    {
        var model = new AzureOpenAIClient(openAi, new ApiKeyCredential(openAiKey)).GetChatClient("gpt-4o-mini").AsIChatClient();
        using var chat = new ChatClientBuilder(model)
            .UseLlmOps(Feature, new LlmOpsClientOptions { Endpoint = llmops, Key = key, Prompt = Prompt })
            .Build();
        using var http = new HttpClient { BaseAddress = llmops };
        http.DefaultRequestHeaders.Add("x-functions-key", key);
        var answers = new List<Answered>();
        foreach (var (unit, question) in questions)
        {
            var found = await http.GetFromJsonAsync<SearchResult>($"api/search?k=3&q={Uri.EscapeDataString(question)}", JsonSerializerOptions.Web, cancellationToken);
            var hits = found?.Hits ?? [];
            var context = string.Join("\n", hits.Select(h => $"[{h.Chunk.ChunkId}] {h.Chunk.Text}"));
            var options = new ChatOptions().WithLlmOps(unit, new Dictionary<string, string> { ["context"] = context }, hits.Select(h => h.Chunk.ChunkId));
            try
            {
                var response = await chat.GetResponseAsync(question, options, cancellationToken);
                answers.Add(new(unit, question, response.Text, response.AdditionalProperties?[LlmOpsChatOptions.PromptVersionKey] as string, response.LlmOpsTraceId(), null));
            }
            catch (GuardrailBlockedException blocked)
            {
                answers.Add(new(unit, question, null, null, blocked.TraceId, string.Join(", ", blocked.Verdict.Rules.Select(r => r.Rule))));
            }
        }

        // Spans go out in the background every few seconds; a short-lived app sends the rest before it exits.
        await chat.GetService<LlmOpsChatClient>()!.FlushAsync(cancellationToken);
        return answers;
    }
}
