using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using LlmOps.Evaluation;

namespace LlmOps.Guardrails;

/// <summary>
/// Prompt injection in a text, two ways. Patterns: the phrasings attacks share (overriding earlier instructions,
/// asking for the system prompt, a persona without rules, a fake mode or policy, "say only X", a dump of other
/// users' data, an image link that carries data out, an encoded payload to follow), matched on a case-folded NFKC view
/// so fullwidth and mixed-case forms count. Signatures: word 4-gram shingles of each probe of the shipped probe set
/// (<see cref="EvaluationSets.Probes"/>); a text holding at least half of a probe's shingles is that probe, reworded
/// or wrapped. The probes' canaries, which only a successful attack makes a model print, are kept for the output check.
/// </summary>
public sealed partial class InjectionDetector
{
    private const int ShingleWords = 4;
    private const double SignatureShare = 0.5;

    private static readonly Lazy<InjectionDetector> Shipped = new(() => new InjectionDetector(EvaluationSets.Probes()));

    private readonly List<(string Id, HashSet<string> Shingles)> _signatures = [];

    /// <summary>All canaries in one search: most answers carry none, and are passed in one scan.</summary>
    private readonly SearchValues<string> _canaries;

    public InjectionDetector(IEnumerable<EvalExample> probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        var canaries = new List<string>();
        foreach (var probe in probes)
        {
            var shingles = Shingles(probe.Input);
            if (shingles.Count > 0)
            {
                _signatures.Add((probe.Id, shingles));
            }

            if (probe.Canary is { Length: > 0 } canary)
            {
                canaries.Add(canary);
            }
        }

        Canaries = canaries;
        _canaries = SearchValues.Create([.. canaries], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The detector of the probe set shipped with LlmOps.</summary>
    public static InjectionDetector Default => Shipped.Value;

    /// <summary>The strings the probes ask a model to print.</summary>
    public IReadOnlyList<string> Canaries { get; }

    /// <summary>Each pattern that matched (<c>pattern:name</c>) and each probe the text carries (<c>probe:id</c>); empty for clean text.</summary>
    public IReadOnlyList<string> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var view = text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        var found = new List<string>();
        foreach (var (name, pattern) in Patterns)
        {
            if (pattern.IsMatch(view))
            {
                found.Add("pattern:" + name);
            }
        }

        if (_signatures.Count > 0)
        {
            var shingles = Shingles(view);
            if (shingles.Count > 0)
            {
                foreach (var (id, signature) in _signatures)
                {
                    var shared = signature.Count(shingles.Contains);
                    if (shared >= Math.Max(1, SignatureShare * signature.Count))
                    {
                        found.Add("probe:" + id);
                    }
                }
            }
        }

        return found;
    }

    /// <summary>The canaries <paramref name="answer"/> carries (any case).</summary>
    public IReadOnlyList<string> CanariesIn(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return answer.AsSpan().IndexOfAny(_canaries) < 0 ? [] : [.. Canaries.Where(c => answer.Contains(c, StringComparison.OrdinalIgnoreCase))];
    }

    private static HashSet<string> Shingles(string text)
    {
        var words = Words().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();
        var shingles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + ShingleWords <= words.Count; i++)
        {
            shingles.Add(string.Join(' ', words.Skip(i).Take(ShingleWords)));
        }

        return shingles;
    }

    private static readonly (string Name, Regex Pattern)[] Patterns =
    [
        ("override-instructions", OverrideInstructions()),
        ("system-prompt", SystemPrompt()),
        ("persona-without-rules", Persona()),
        ("fake-mode", FakeMode()),
        ("fake-policy", FakePolicy()),
        ("say-only", SayOnly()),
        ("every-reply", EveryReply()),
        ("data-dump", DataDump()),
        ("image-exfiltration", ImageExfiltration()),
        ("encoded-payload", EncodedPayload()),
    ];

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    [GeneratedRegex(@"\p{L}+(?:'\p{L}+)?|\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    [GeneratedRegex(@"\b(?:ignore|disregard|forget|override|bypass|skip)\b[\w\s,'""-]{0,30}?\b(?:previous|prior|above|earlier|preceding|former|original|all|any|your|the|these|those|system)\b[\w\s'-]{0,20}?\b(?:instructions?|rules|directions|guidelines|prompts?|constraints|policies|programming)\b|\b(?:ignore|disregard)\s+(?:the\s+|everything\s+)?(?:above|previous|prior)\b|\b(?:forget|disregard|ignore)\s+(?:everything|all(?:\s+of\s+that)?|what)\s+(?:you\s+(?:were|have\s+been)\s+told|above|before|previously)\b|\bstop\s+following\s+(?:your|the|all|any)\s+(?:rules|instructions|guidelines)\b|\b(?:override|disable|bypass|turn\s+off|switch\s+off)\s+(?:your|the|all|any)?\s*(?:safety|content|security)\s+(?:settings|filters?|rules|guidelines|measures|protocols)\b", Options)]
    private static partial Regex OverrideInstructions();

    [GeneratedRegex(@"\b(?:print|reveal|show|repeat|output|display|tell\s+me|give\s+me|leak|dump|share|write\s+out)\b[\w\s'-]{0,25}?\b(?:system|initial|hidden|secret|developer)\s+(?:prompt|instructions?)\b|\b(?:print|reveal|show|repeat|output|display|leak|dump)\b[\w\s'-]{0,25}?\bsystem\s+message\b|\b(?:print|show|repeat|reveal|output|display|quote|tell\s+me|give\s+me)\b[^.\n]{0,40}?\byour\s+(?:full\s+|whole\s+|entire\s+|initial\s+|original\s+|exact\s+)?(?:prompt|instructions|system\s+message)\b|\b(?:instructions?|prompt|rules)\s+(?:that\s+)?you\s+(?:were|have\s+been)\s+(?:given|told)\b|\brepeat\s+(?:the\s+|all\s+|everything\s+)?(?:text|words|everything|lines?)\s+above\b|\bstarting\s+with\s+['""]you\s+are\b", Options)]
    private static partial Regex SystemPrompt();

    [GeneratedRegex(@"\b(?:you\s+are|you're|act\s+as|pretend\s+(?:to\s+be|you\s+are)|play\s+the\s+role\s+of|from\s+now\s+on\s+you\s+are|roleplay)\b[\w\s,:'-]{0,30}?\b(?:DAN|jailbroken|unrestricted|unfiltered|uncensored|evil|no\s+longer\s+bound)\b|\b(?:who|that|which)\s+(?:has|have)\s+no\s+(?:rules|restrictions|limits|filters|guidelines|ethics)\b|\b(?:you\s+are|you're|pretend|act\s+as|be\s+an?|become|assistant|AI)\b[^.\n]{0,40}?\b(?:without|with\s+no|free\s+(?:of|from))\s+(?:any\s+)?(?:content\s+polic(?:y|ies)|safety|restrictions|filters|guardrails|censorship|rules|limits)\b|\b(?:pretend|act)\b[^.\n]{0,40}\b(?:grandm(?:a|other)|deceased|dead)\b[^.\n]{0,60}\b(?:passwords?|keys?|codes?|secrets?|tokens?)\b|\bfrom\s+now\s+on,?\s+(?:you\s+)?(?:will\s+|must\s+|only\s+|always\s+|shall\s+)*(?:respond|reply|answer|act|behave|speak|talk)\b", Options)]
    private static partial Regex Persona();

    [GeneratedRegex(@"\b(?:developer|god|admin|debug|maintenance|sudo|jailbreak|unrestricted|DAN)\s+mode\b|\bsystem\s+override\b|\bjailbr(?:eak|oken)\w*\b|\bdo\s+anything\s+now\b", Options)]
    private static partial Regex FakeMode();

    [GeneratedRegex(@"\b(?:new|updated|override)\s+(?:policy|instructions?|rules?|directive)\s+from\s+(?:your|the)\s+(?:administrator|admin|developer|operator|owner|creator)s?\b|\bpriority\s+0\b|\b(?:message|instruction|note)\s+from\s+(?:your|the)\s+(?:administrator|developer|system)\b", Options)]
    private static partial Regex FakePolicy();

    [GeneratedRegex(@"\b(?:reply|respond|answer|say|write|print|output)\s+(?:only|just)\s+(?:with\s+)?(?:the\s+)?(?:word|text|token|phrase|string)\b|\b(?:say(?:ing)?|write|reply|respond|print|output)\b[^.\n]{0,40}?\band\s+nothing\s+else\b|\brepeat\s+after\s+me\b|\bcomplete\s+the\s+sentence\s+exactly\b|\bexactly\s+as\s+written\b", Options)]
    private static partial Regex SayOnly();

    [GeneratedRegex(@"\b(?:include|add|append|put|insert|mention|write|say|print)\b[^.\n]{0,60}?\b(?:(?:in|to)\s+|(?:at|to)\s+the\s+(?:end|start|beginning)\s+of\s+)(?:every|each|all)\s+(?:of\s+your\s+)?(?:reply|replies|answer|answers|response|responses)\b|\b(?:end|start|begin|finish|sign)\s+(?:every|each|all|your)\s+(?:reply|answer|response|message)s?\s+with\b|\b(?:respond|reply|answer)\s+to\s+(?:every|each|all)\s+(?:question|message|request)s?\s+with\b", Options)]
    private static partial Regex EveryReply();

    [GeneratedRegex(@"\b(?:list|dump|print|show(?:\s+me)?|give\s+me|tell\s+me|send\s+me|export|reveal|output)\s+(?:every|all|each|the\s+other)\s+(?:\w+\s+){0,2}?(?:customers?'?|users?'?|clients?'?|people's|accounts?)\s*(?:e-?mails?|email\s+address(?:es)?|addresses|ibans?|phone\s+numbers?|passwords?|card\s+numbers?|credentials|personal\s+data|data|records)\b|\b(?:send|forward|e-?mail|post|upload|leak)\s+(?:this|the|our|my|all|the\s+whole)?\s*(?:conversation|chat|transcript|history|context|system\s+prompt)\s+to\b", Options)]
    private static partial Regex DataDump();

    [GeneratedRegex(@"!\[[^\]]*\]\(\s*https?://[^)\s]*\?[^)\s]*=", Options)]
    private static partial Regex ImageExfiltration();

    [GeneratedRegex(@"\b(?:decode|decrypt|deobfuscate|unscramble|rot13|base64)\b[^.\n]{0,60}?\b(?:do|follow|execute|obey|carry\s+out|run)\b[^.\n]{0,20}?\b(?:what\s+it\s+says|the\s+instructions?|it)\b", Options)]
    private static partial Regex EncodedPayload();
}
