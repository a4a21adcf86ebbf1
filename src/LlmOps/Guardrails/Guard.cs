using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using LlmOps.Evaluation.Graders;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using Microsoft.ML.Tokenizers;

namespace LlmOps.Guardrails;

/// <summary>
/// Runs a feature's guardrails on one text. Input: personal data (the preprocessing PII detector), prompt injection
/// (<see cref="InjectionDetector"/>), the token limit. Output: personal data leaking, citations (present, and naming
/// retrieved chunks when the caller says which were retrieved), blocked terms, the JSON Schema, and the probe set's
/// canaries. Each rule acts as the lifecycle says (flag, redact or block); the verdict is the strongest action, and a
/// redaction is applied to the text returned. Thread-safe: one guard serves every call of a feature.
/// </summary>
public sealed class Guard
{
    private readonly GuardPolicy _policy;
    private readonly PiiRedactor _pii;
    private readonly InjectionDetector _injection;
    private readonly Tokenizer? _tokenizer;
    private readonly Regex? _blocked;

    /// <summary>The first word of every blocked term: the term regex runs only on a text holding one.</summary>
    private readonly SearchValues<string>? _blockedStarts;
    private readonly JsonSchemaGrader? _schema;

    public Guard(GuardPolicy policy, InjectionDetector? injection = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        _pii = new PiiRedactor(policy.PiiTypes, policy.CustomPii);
        _injection = injection ?? InjectionDetector.Default;
        _tokenizer = policy.Input.MaxTokens is null ? null : TokenChunker.ForEncoding(policy.Tokenizer);
        _blocked = policy.Output.BlockedTerms.Count == 0 ? null : new Regex(
            @"(?<![\p{L}\p{N}])(?:" + string.Join('|', policy.Output.BlockedTerms.Select(t => Regex.Escape(t).Replace(@"\ ", @"\s+", StringComparison.Ordinal))) + @")(?![\p{L}\p{N}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        _blockedStarts = policy.Output.BlockedTerms.Count == 0 ? null
            : SearchValues.Create([.. policy.Output.BlockedTerms.Select(t => t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]).Distinct(StringComparer.OrdinalIgnoreCase)], StringComparison.OrdinalIgnoreCase);
        _schema = policy.Output.JsonSchema is { } schema ? JsonSchemaGrader.FromJsonAsync(schema).GetAwaiter().GetResult() : null;
    }

    public GuardPolicy Policy => _policy;

    /// <summary>Checks the text sent to the model.</summary>
    public GuardVerdict CheckInput(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<GuardFinding>();
        var input = _policy.Input;
        if (input.Injection != GuardActions.Off)
        {
            foreach (var match in _injection.Find(text))
            {
                rules.Add(new("input.injection:" + match, input.Injection, match.StartsWith("probe:", StringComparison.Ordinal)
                    ? "the text carries a known injection probe"
                    : "the text reads as a prompt injection"));
            }
        }

        if (input.MaxTokens is { } max && Encoding.UTF8.GetByteCount(text) > max)
        {
            // A token is at least one UTF-8 byte, so only a text with more bytes than the limit can pass it.
            var tokens = _tokenizer!.CountTokens(text);
            if (tokens > max)
            {
                rules.Add(new("input.max_tokens", GuardActions.Block, $"{tokens} tokens, at most {max}"));
            }
        }

        var redacted = Pii(text, "input", input.Pii, rules);
        return Verdict(text, redacted, rules);
    }

    /// <summary>Checks the model's answer; <paramref name="retrieved"/> are the chunk ids the app retrieved for it, when it knows them.</summary>
    public GuardVerdict CheckOutput(string text, IReadOnlyCollection<string>? retrieved = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<GuardFinding>();
        var output = _policy.Output;
        foreach (var canary in _injection.CanariesIn(text))
        {
            rules.Add(new("output.injection:canary", GuardActions.Block, $"the answer carries the probe canary {canary}: an injection worked"));
        }

        if (output.Citations != GuardActions.Off)
        {
            var cited = CitationGrader.Cited(text);
            var unknown = retrieved is null ? [] : cited.Where(c => !retrieved.Contains(c)).ToList();
            if (cited.Count == 0)
            {
                rules.Add(new("output.citations", output.Citations, "the answer cites no source ([source:id#n])"));
            }
            else if (unknown.Count > 0)
            {
                rules.Add(new("output.citations", output.Citations, "cites chunks that were not retrieved: " + string.Join(", ", unknown.Take(3))));
            }
        }

        if (_blocked is not null && text.AsSpan().IndexOfAny(_blockedStarts!) >= 0)
        {
            foreach (var term in _blocked.Matches(text).Select(m => m.Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal))
            {
                rules.Add(new("output.blocked_terms", GuardActions.Block, $"'{term}'"));
            }
        }

        if (_schema is not null && _schema.Problems(text) is { Count: > 0 } problems)
        {
            rules.Add(new("output.json_schema", GuardActions.Block, string.Join("; ", problems.Take(3))));
        }

        var redacted = Pii(text, "output", output.Pii, rules);
        return Verdict(text, redacted, rules);
    }

    /// <summary>Checks <paramref name="text"/> on <paramref name="stage"/> (<see cref="GuardStage"/>).</summary>
    public GuardVerdict Check(string stage, string text, IReadOnlyCollection<string>? retrieved = null) => stage switch
    {
        GuardStage.Input => CheckInput(text),
        GuardStage.Output => CheckOutput(text, retrieved),
        _ => throw new ArgumentException($"stage must be {GuardStage.Input} or {GuardStage.Output}, not '{stage}'", nameof(stage)),
    };

    private string? Pii(string text, string side, string action, List<GuardFinding> rules)
    {
        if (action == GuardActions.Off)
        {
            return null;
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var redacted = _pii.Redact(text, counts);
        foreach (var (type, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            rules.Add(new($"{side}.pii:{type}", action, $"{count} {type} value(s)"));
        }

        return counts.Count > 0 && action == GuardActions.Redact ? redacted : null;
    }

    private static GuardVerdict Verdict(string text, string? redacted, List<GuardFinding> rules)
    {
        var action = rules.Any(r => r.Action == GuardActions.Block) ? GuardActions.Block
            : redacted is not null ? GuardActions.Redact
            : GuardActions.Allow;
        return new GuardVerdict(action, redacted ?? text, rules);
    }
}
