using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LlmOps.Errors;
using LlmOps.Registry;
using Microsoft.Extensions.AI;

namespace LlmOps.Evaluation;

/// <summary>
/// What an evaluation runs: a registered prompt version and a chat model. The template's <c>{{input}}</c> (or
/// <c>{{question}}</c>, <c>{{query}}</c>) is the example's input and <c>{{context}}</c> the retrieved chunks, one per
/// paragraph as <c>[chunk-id] text</c>; a template that names the input is sent as the user message, otherwise it is
/// the system message and the input the user message. The prompt version's tags <c>max_output_tokens</c>,
/// <c>temperature</c> and <c>k</c> (chunks to retrieve) set the call. A refused or filtered request is the example's
/// error (graded as not answered); a credential or deployment error stops the run.
/// </summary>
public sealed class EvaluationTarget
{
    private static readonly string[] InputNames = ["input", "question", "query"];
    private readonly IChatClient _chat;
    private readonly string _template;
    private readonly bool _templateHasInput;

    public EvaluationTarget(RegistryVersion prompt, IChatClient chat, string model)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        Prompt = prompt;
        _chat = chat ?? throw new ArgumentNullException(nameof(chat));
        Model = model;
        _template = prompt.Template ?? throw LlmOpsException.Invalid($"{prompt.Id} has no template: an evaluation target is a registered prompt version.");
        var unknown = prompt.Variables.Where(v => !InputNames.Contains(v, StringComparer.Ordinal) && v != "context").ToList();
        if (unknown.Count > 0)
        {
            throw LlmOpsException.Invalid($"{prompt.Id} needs {string.Join(", ", unknown)}, which an evaluation cannot fill: a target's template may use {{{{input}}}} (or question, query) and {{{{context}}}}.");
        }

        _templateHasInput = prompt.Variables.Any(v => InputNames.Contains(v, StringComparer.Ordinal));
        Options = new ChatOptions
        {
            MaxOutputTokens = Tag(prompt, "max_output_tokens") is { } max ? (int)max : null,
            Temperature = Tag(prompt, "temperature") is { } temperature ? (float)temperature : null,
        };
        K = Tag(prompt, "k") is { } k ? (int)k : null;
    }

    public RegistryVersion Prompt { get; }

    public string Model { get; }

    /// <summary>The chunks to retrieve when the prompt version says (tag <c>k</c>); null leaves it to the lifecycle.</summary>
    public int? K { get; }

    public ChatOptions Options { get; }

    /// <summary>The messages sent for <paramref name="example"/> with <paramref name="retrieved"/> as its context.</summary>
    public IReadOnlyList<ChatMessage> Messages(EvalExample example, IReadOnlyList<RetrievedChunk> retrieved)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(retrieved);
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["context"] = Context(retrieved) };
        foreach (var name in InputNames)
        {
            values[name] = example.Input;
        }

        var rendered = PromptTemplate.Render(_template, values);
        return _templateHasInput
            ? [new ChatMessage(ChatRole.User, rendered)]
            : [new ChatMessage(ChatRole.System, rendered), new ChatMessage(ChatRole.User, example.Input)];
    }

    public async Task<TargetAnswer> AnswerAsync(EvalExample example, IReadOnlyList<RetrievedChunk> retrieved, CancellationToken cancellationToken)
    {
        var messages = Messages(example, retrieved);
        var options = Options.Clone();
        options.AdditionalProperties = new AdditionalPropertiesDictionary { [ExtractiveResponder.RetrievedKey] = retrieved };
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await _chat.GetResponseAsync(messages, options, cancellationToken);
            var error = response.FinishReason == ChatFinishReason.ContentFilter ? "content_filter: the answer was filtered by the model's content filter" : null;
            return new TargetAnswer(messages, response, retrieved, Stopwatch.GetElapsedTime(started), response.ModelId ?? Model, error);
        }
        catch (ClientResultException ex) when (ex.Status is 401 or 403 or 404)
        {
            throw LlmOpsException.Invalid($"The chat model '{Model}' refused the call ({ex.Status}): check the deployment name and the credentials. {ex.Message}", ex);
        }
        catch (ClientResultException ex)
        {
            var reason = IsContentFilter(ex) ? "content_filter: the prompt was filtered by the model's content filter" : $"the model answered {ex.Status}: {FirstLine(ex.Message)}";
            return new TargetAnswer(messages, new ChatResponse(), retrieved, Stopwatch.GetElapsedTime(started), Model, reason);
        }
    }

    private static bool IsContentFilter(ClientResultException error) =>
        error.Status == 400 && (error.Message.Contains("content_filter", StringComparison.OrdinalIgnoreCase) || error.Message.Contains("ResponsibleAIPolicyViolation", StringComparison.Ordinal));

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Context(IReadOnlyList<RetrievedChunk> retrieved)
    {
        var context = new StringBuilder();
        foreach (var chunk in retrieved)
        {
            context.Append(context.Length == 0 ? "" : "\n\n").Append('[').Append(chunk.ChunkId).Append("] ").Append(chunk.Text.Trim());
        }

        return context.ToString();
    }

    private static double? Tag(RegistryVersion prompt, string name)
    {
        if (!prompt.Tags.TryGetValue(name, out var text))
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw LlmOpsException.Invalid($"{prompt.Id}: tag {name} = '{text}' is not a non-negative number.");
    }
}
