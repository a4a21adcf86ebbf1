using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmOps.Development;

/// <summary>
/// A loopback server that speaks the Azure AI Search REST protocol (api-version 2023-11-01) over HTTPS with its own
/// self-signed certificate, for tests and benchmarks (the service is out of this machine's reach; its client refuses
/// plain HTTP). What it serves, as the service does: <c>api-key</c> header (403 without the right one),
/// <c>?api-version=</c> (400 without), errors as <c>{"error": {"code", "message"}}</c>;
/// <list type="bullet">
/// <item>indexes: <c>GET</c>, <c>PUT</c> (create or update), <c>DELETE /indexes('name')</c>; a vector field keeps its
/// <c>dimensions</c> and <c>vectorSearchProfile</c>, which must name a profile of the index;</item>
/// <item><c>POST /indexes('name')/docs/search.index</c>: up to 1,000 actions (<c>upload</c>, <c>merge</c>,
/// <c>mergeOrUpload</c>, <c>delete</c>), a per-document status (201 created, 200 otherwise, 404 merging a missing
/// document), 207 when any failed, 400 for a vector of the wrong size;</item>
/// <item><c>POST /indexes('name')/docs/search.post.search</c>: vector queries answered exactly (every vector scored, so
/// recall is exact search's), pre-filtered by an OData <c>filter</c> (<c>eq</c>, <c>ne</c>, <c>and</c>, <c>or</c>,
/// <c>not</c>, <c>field/any(t: t eq 'v')</c>), scores as the service gives them for cosine: 1 / (1 + (1 - cos));
/// <c>search=*</c> lists, <c>count</c> counts, <c>top</c>, <c>skip</c>, <c>select</c>;</item>
/// <item><c>GET /indexes('name')/docs('key')</c>.</item>
/// </list>
/// <see cref="ThrottleNext"/> scripts 429 or 503 with Retry-After; <see cref="FailDocumentsOnce"/> scripts a
/// document's failure inside a 207; <see cref="Requests"/> logs every request.
/// </summary>
public sealed partial class FakeAzureAISearchServer : IAsyncDisposable
{
    public const string ApiKey = "search-admin-key";
    public const int MaxActions = 1000;
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentDictionary<string, FakeIndex> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failOnce = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _throttle;
    private int _throttleStatus;
    private int _retryAfterSeconds;

    private FakeAzureAISearchServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request: operation (index, docs/index, search, lookup), index, actions or vector queries it carried, status, arrival since start.</summary>
    public ConcurrentQueue<(string Operation, string Index, int Items, int Status, TimeSpan At)> Requests { get; } = new();

    /// <summary>Every document action the service took, in order: (index, action, key).</summary>
    public ConcurrentQueue<(string Index, string Action, string Key)> Actions { get; } = new();

    public static async Task<FakeAzureAISearchServer> StartAsync()
    {
        var certificate = SelfSigned();
        var app = LoopbackWebApp.Create(certificate);
        var server = new FakeAzureAISearchServer(app, certificate);
        app.Run(server.HandleAsync);
        server.Endpoint = await LoopbackWebApp.StartAsync(app);
        return server;
    }

    /// <summary>An HTTP transport that trusts this server's certificate (and only the certificates the system trusts besides).</summary>
    public HttpPipelineTransport CreateTransport()
    {
        var thumbprint = _certificate.Thumbprint;
        return new HttpClientTransport(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || string.Equals(certificate?.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase),
        });
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (429 or 503) with Retry-After: <paramref name="retryAfterSeconds"/>.</summary>
    public void ThrottleNext(int count, int status, int retryAfterSeconds)
    {
        _throttleStatus = status;
        _retryAfterSeconds = retryAfterSeconds;
        Volatile.Write(ref _throttle, count);
    }

    /// <summary>The next action on each of <paramref name="keys"/> fails inside its batch with <paramref name="status"/> (503: retriable; 400: not).</summary>
    public void FailDocumentsOnce(IEnumerable<string> keys, int status)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            _failOnce[key] = status;
        }
    }

    /// <summary>The documents of an index as stored, by key (empty if there is no such index).</summary>
    public IReadOnlyDictionary<string, JsonObject> Documents(string index) =>
        _indexes.TryGetValue(index, out var found) ? found.Snapshot() : new Dictionary<string, JsonObject>();

    /// <summary>The definitions of the indexes there are, by name.</summary>
    public IReadOnlyDictionary<string, JsonObject> Indexes => _indexes.ToDictionary(i => i.Key, i => (JsonObject)i.Value.Definition.DeepClone(), StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var at = _clock.Elapsed;
        var path = Uri.UnescapeDataString(context.Request.Path.Value ?? "");
        var match = Route().Match(path);
        var operation = !match.Success ? "unknown"
            : match.Groups["search"].Success ? "search"
            : match.Groups["index"].Success ? "docs/index"
            : match.Groups["key"].Success ? "lookup"
            : "index";
        var name = match.Success ? match.Groups["name"].Value : "";
        if (context.Request.Headers["api-key"] != ApiKey)
        {
            Log(403);
            await ErrorAsync(context, 403, "", "Authorization failed: the api-key header is missing or wrong.");
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            Log(400);
            await ErrorAsync(context, 400, "MissingRequiredParameter", "The request is invalid. Details: api-version is missing.");
            return;
        }

        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            context.Response.Headers["Retry-After"] = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            Log(_throttleStatus);
            await ErrorAsync(context, _throttleStatus, "", _throttleStatus == 429 ? "You are sending too many requests. Please try again later." : "Service unavailable: the service is too busy to process the request.");
            return;
        }

        if (!match.Success)
        {
            Log(404);
            await ErrorAsync(context, 404, "", $"Resource {path} not found.");
            return;
        }

        JsonObject? body = null;
        if (context.Request.ContentLength > 0 || context.Request.Method is "POST" or "PUT")
        {
            try
            {
                body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            }
            catch (JsonException ex)
            {
                Log(400);
                await ErrorAsync(context, 400, "InvalidRequestBody", $"The request is invalid. Details: {ex.Message}");
                return;
            }
        }

        var (status, answer, items) = (operation, context.Request.Method) switch
        {
            ("index", "GET") => _indexes.TryGetValue(name, out var found) ? (200, found.Definition.DeepClone(), 0) : NoIndex(name),
            ("index", "PUT") => PutIndex(name, body),
            ("index", "DELETE") => _indexes.TryRemove(name, out _) ? (204, null, 0) : NoIndex(name),
            ("docs/index", "POST") => IndexDocuments(name, body),
            ("search", "POST") => Search(name, body),
            ("lookup", "GET") => Lookup(name, match.Groups["key"].Value, context.Request.Query["$select"].ToString()),
            _ => (405, Error("", $"{context.Request.Method} is not supported on {path}."), 0),
        };
        Log(status, items);
        context.Response.StatusCode = status;
        if (answer is not null)
        {
            context.Response.ContentType = "application/json; odata.metadata=minimal";
            await context.Response.WriteAsync(answer.ToJsonString());
        }

        void Log(int code, int count = 0) => Requests.Enqueue((operation, name, count, code, at));
    }

    private static (int, JsonNode?, int) NoIndex(string name) => (404, Error("", $"No index with the name '{name}' was found in the service."), 0);

    private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Error(code, message).ToJsonString());
    }

    private (int, JsonNode?, int) PutIndex(string name, JsonObject? definition)
    {
        if (definition?["fields"] is not JsonArray fields || definition["name"]?.GetValue<string>() != name)
        {
            return (400, Error("InvalidRequestParameter", "The request is invalid. Details: the index needs fields, and its name must match the URL's."), 0);
        }

        var keys = fields.Where(f => f?["key"]?.GetValue<bool>() == true).ToList();
        if (keys.Count != 1 || keys[0]!["type"]?.GetValue<string>() != "Edm.String")
        {
            return (400, Error("InvalidRequestParameter", "The request is invalid. Details: an index needs exactly one key field of type Edm.String."), 0);
        }

        var profiles = (definition["vectorSearch"]?["profiles"] as JsonArray)?.Select(p => p?["name"]?.GetValue<string>()).ToHashSet() ?? [];
        var vectors = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var field in fields.Where(f => f?["type"]?.GetValue<string>() == "Collection(Edm.Single)"))
        {
            var dimensions = field!["dimensions"]?.GetValue<int>() ?? 0;
            var profile = field["vectorSearchProfile"]?.GetValue<string>();
            if (dimensions is < 2 or > 3072 || profile is null || !profiles.Contains(profile))
            {
                return (400, Error("InvalidRequestParameter", $"The request is invalid. Details: vector field '{field["name"]}' needs dimensions from 2 to 3072 and a vectorSearchProfile the index defines."), 0);
            }

            vectors[field["name"]!.GetValue<string>()] = dimensions;
        }

        var stored = (JsonObject)definition.DeepClone();
        stored["@odata.etag"] = "\"0x" + Stopwatch.GetTimestamp().ToString("X", CultureInfo.InvariantCulture) + "\"";
        var created = false;
        _indexes.AddOrUpdate(
            name,
            _ =>
            {
                created = true;
                return new FakeIndex(stored, keys[0]!["name"]!.GetValue<string>(), vectors);
            },
            (_, existing) => existing.Redefine(stored, vectors));
        return (created ? 201 : 200, stored.DeepClone(), 0);
    }

    private (int, JsonNode?, int) IndexDocuments(string name, JsonObject? body)
    {
        if (!_indexes.TryGetValue(name, out var index))
        {
            return NoIndex(name);
        }

        if (body?["value"] is not JsonArray actions || actions.Count == 0 || actions.Count > MaxActions)
        {
            return (400, Error("InvalidRequestParameter", $"The request is invalid. Details: a batch holds 1 to {MaxActions} actions."), 0);
        }

        foreach (var action in actions.OfType<JsonObject>())
        {
            foreach (var (field, dimensions) in index.Vectors)
            {
                if (action[field] is JsonArray vector && vector.Count != dimensions)
                {
                    return (400, Error("OperationNotAllowed", $"The request is invalid. Details: The vector field '{field}' dimensionality must match the field definition's 'dimensions' property. Expected: '{dimensions}'. Actual: '{vector.Count}'."), actions.Count);
                }
            }
        }

        var results = new JsonArray();
        var anyFailed = false;
        foreach (var action in actions.OfType<JsonObject>())
        {
            var kind = action["@search.action"]?.GetValue<string>() ?? "upload";
            var key = action[index.KeyField]?.GetValue<string>();
            int status;
            string? message = null;
            if (string.IsNullOrEmpty(key) || !KeyCharacters().IsMatch(key))
            {
                (status, message) = (400, $"Invalid document key: '{key}'. Keys can only contain letters, digits, underscore (_), dash (-), or equal sign (=).");
            }
            else if (_failOnce.TryRemove(key, out var scripted))
            {
                (status, message) = (scripted, scripted == 503 ? "Service unavailable: the document could not be indexed; try again." : "The document is invalid.");
            }
            else
            {
                (status, message) = index.Apply(kind, key, action);
                if (status < 300)
                {
                    Actions.Enqueue((name, kind, key));
                }
            }

            anyFailed |= status >= 300;
            results.Add(new JsonObject { ["key"] = key, ["status"] = status < 300, ["errorMessage"] = message, ["statusCode"] = status });
        }

        return (anyFailed ? 207 : 200, new JsonObject { ["value"] = results }, actions.Count);
    }

    private (int, JsonNode?, int) Search(string name, JsonObject? body)
    {
        if (!_indexes.TryGetValue(name, out var index))
        {
            return NoIndex(name);
        }

        body ??= [];
        Func<JsonObject, bool> filter;
        try
        {
            filter = body["filter"]?.GetValue<string>() is { Length: > 0 } odata ? ODataFilter.Parse(odata) : _ => true;
        }
        catch (FormatException ex)
        {
            return (400, Error("InvalidRequestParameter", $"Invalid expression: {ex.Message}"), 0);
        }

        var top = body["top"]?.GetValue<int>() ?? 50;
        var skip = body["skip"]?.GetValue<int>() ?? 0;
        var select = body["select"]?.GetValue<string>() is { Length: > 0 } fields ? fields.Split(',', StringSplitOptions.TrimEntries) : null;
        var documents = index.Snapshot().Values.Where(filter).ToList();
        IEnumerable<(double Score, JsonObject Document)> ranked;
        var queries = body["vectorQueries"] as JsonArray ?? [];
        if (queries.Count > 0)
        {
            var query = queries[0]!;
            var field = query["fields"]?.GetValue<string>() ?? "";
            if (!index.Vectors.TryGetValue(field, out var dimensions) || query["vector"] is not JsonArray vectorNode || vectorNode.Count != dimensions)
            {
                return (400, Error("InvalidRequestParameter", $"The vector query must name a vector field and carry a vector of its dimensions; '{field}' does not."), 0);
            }

            var vector = vectorNode.Select(v => v!.GetValue<float>()).ToArray();
            var k = query["k"]?.GetValue<int>() ?? top;
            ranked = documents
                .Where(d => d[field] is JsonArray)
                .Select(d => (Score: 1 / (1 + (1 - Cosine(vector, d[field]!.AsArray()))), Document: d))
                .OrderByDescending(h => h.Score)
                .ThenBy(h => h.Document[index.KeyField]!.GetValue<string>(), StringComparer.Ordinal)
                .Take(k);
        }
        else
        {
            ranked = documents.OrderBy(d => d[index.KeyField]!.GetValue<string>(), StringComparer.Ordinal).Select(d => (1.0, d));
        }

        var page = ranked.Skip(skip).Take(top).Select(h =>
        {
            var shown = Project(h.Document, select, index.Vectors.Keys);
            shown["@search.score"] = h.Score;
            return (JsonNode)shown;
        });
        var answer = new JsonObject { ["value"] = new JsonArray([.. page]) };
        if (body["count"]?.GetValue<bool>() == true)
        {
            answer["@odata.count"] = documents.Count;
        }

        return (200, answer, queries.Count);
    }

    private (int, JsonNode?, int) Lookup(string name, string key, string select)
    {
        if (!_indexes.TryGetValue(name, out var index))
        {
            return NoIndex(name);
        }

        return index.Snapshot().TryGetValue(key, out var document)
            ? (200, Project(document, select.Length > 0 ? select.Split(',', StringSplitOptions.TrimEntries) : null, index.Vectors.Keys), 0)
            : (404, null, 0);
    }

    /// <summary>The selected fields, or every field but the vectors (which a request must select to get back).</summary>
    private static JsonObject Project(JsonObject document, string[]? select, IEnumerable<string> vectorFields)
    {
        var vectors = vectorFields.ToHashSet(StringComparer.Ordinal);
        var shown = new JsonObject();
        foreach (var (field, value) in document)
        {
            if (select is null ? !vectors.Contains(field) : select.Contains(field) || select.Contains("*"))
            {
                shown[field] = value?.DeepClone();
            }
        }

        return shown;
    }

    private static double Cosine(float[] query, JsonArray stored)
    {
        var vector = stored.Select(v => v!.GetValue<float>()).ToArray();
        return TensorPrimitives.CosineSimilarity(query, vector);
    }

    [GeneratedRegex(@"^/indexes\('(?<name>[^']+)'\)(?:/docs(?:/(?<index>search\.index)|/(?<search>search\.post\.search)|\('(?<key>[^']+)'\)))?$")]
    private static partial Regex Route();

    [GeneratedRegex("^[A-Za-z0-9_=-]{1,1024}$")]
    private static partial Regex KeyCharacters();

    /// <summary>An index: its definition and documents (each a JSON object, vectors as arrays).</summary>
    private sealed class FakeIndex(JsonObject definition, string keyField, Dictionary<string, int> vectors)
    {
        private readonly Dictionary<string, JsonObject> _documents = new(StringComparer.Ordinal);

        public JsonObject Definition { get; private set; } = definition;

        public string KeyField { get; } = keyField;

        public Dictionary<string, int> Vectors { get; private set; } = vectors;

        public FakeIndex Redefine(JsonObject stored, Dictionary<string, int> newVectors)
        {
            lock (_documents)
            {
                Definition = stored;
                Vectors = newVectors;
            }

            return this;
        }

        public Dictionary<string, JsonObject> Snapshot()
        {
            lock (_documents)
            {
                return new Dictionary<string, JsonObject>(_documents, StringComparer.Ordinal);
            }
        }

        public (int Status, string? Message) Apply(string action, string key, JsonObject document)
        {
            var fields = (JsonObject)document.DeepClone();
            fields.Remove("@search.action");
            lock (_documents)
            {
                var exists = _documents.TryGetValue(key, out var current);
                switch (action)
                {
                    case "upload":
                        _documents[key] = fields;
                        return (exists ? 200 : 201, null);
                    case "merge" when !exists:
                        return (404, "Document not found.");
                    case "merge" or "mergeOrUpload":
                        if (exists)
                        {
                            foreach (var (field, value) in fields)
                            {
                                current![field] = value?.DeepClone();
                            }

                            return (200, null);
                        }

                        _documents[key] = fields;
                        return (201, null);
                    case "delete":
                        _documents.Remove(key);
                        return (200, null);
                    default:
                        return (400, $"Unknown action '{action}'.");
                }
            }
        }
    }

    /// <summary>The OData filter subset search filters use: eq, ne, and, or, not, parentheses, string and null literals, <c>field/any(t: t eq 'v')</c>.</summary>
    private static partial class ODataFilter
    {
        public static Func<JsonObject, bool> Parse(string text)
        {
            var tokens = Tokenize(text);
            var at = 0;
            var parsed = Or(tokens, ref at);
            return at == tokens.Count ? parsed : throw new FormatException($"unexpected '{tokens[at]}' in '{text}'");
        }

        private static Func<JsonObject, bool> Or(List<string> tokens, ref int at)
        {
            var left = And(tokens, ref at);
            while (at < tokens.Count && tokens[at] == "or")
            {
                at++;
                var (l, r) = (left, And(tokens, ref at));
                left = d => l(d) || r(d);
            }

            return left;
        }

        private static Func<JsonObject, bool> And(List<string> tokens, ref int at)
        {
            var left = Unary(tokens, ref at);
            while (at < tokens.Count && tokens[at] == "and")
            {
                at++;
                var (l, r) = (left, Unary(tokens, ref at));
                left = d => l(d) && r(d);
            }

            return left;
        }

        private static Func<JsonObject, bool> Unary(List<string> tokens, ref int at)
        {
            if (Next(tokens, ref at) is var token && token == "not")
            {
                var inner = Unary(tokens, ref at);
                return d => !inner(d);
            }

            if (token == "(")
            {
                var inner = Or(tokens, ref at);
                Expect(tokens, ref at, ")");
                return inner;
            }

            var any = token.EndsWith("/any", StringComparison.Ordinal);
            var field = any ? token[..^4] : token;
            if (!FieldName().IsMatch(field))
            {
                throw new FormatException($"'{token}' is not a field");
            }

            if (any)
            {
                Expect(tokens, ref at, "(");
                var variable = Next(tokens, ref at);
                Expect(tokens, ref at, ":");
                Expect(tokens, ref at, variable);
                Expect(tokens, ref at, "eq");
                var wanted = Literal(Next(tokens, ref at));
                Expect(tokens, ref at, ")");
                return d => d[field] is JsonArray values && values.Any(v => v?.GetValue<string>() == wanted);
            }

            var op = Next(tokens, ref at);
            var value = Literal(Next(tokens, ref at));
            return op switch
            {
                "eq" => d => Text(d[field]) == value,
                "ne" => d => Text(d[field]) != value,
                _ => throw new FormatException($"'{op}' is not eq or ne"),
            };
        }

        private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

        private static string? Literal(string token) =>
            token == "null" ? null
            : token.Length >= 2 && token[0] == '\'' && token[^1] == '\'' ? token[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : throw new FormatException($"{token} is not a string literal or null");

        private static string Next(List<string> tokens, ref int at) => at < tokens.Count ? tokens[at++] : throw new FormatException("the expression ends early");

        private static void Expect(List<string> tokens, ref int at, string expected)
        {
            var token = Next(tokens, ref at);
            if (token != expected)
            {
                throw new FormatException($"expected '{expected}', found '{token}'");
            }
        }

        private static List<string> Tokenize(string text)
        {
            var tokens = new List<string>();
            for (var i = 0; i < text.Length;)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (c is '(' or ')' or ':')
                {
                    tokens.Add(c.ToString());
                    i++;
                }
                else if (c == '\'')
                {
                    var literal = new StringBuilder("'");
                    for (i++; ; i++)
                    {
                        if (i >= text.Length)
                        {
                            throw new FormatException("a string literal is not closed");
                        }

                        if (text[i] == '\'' && i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            literal.Append("''");
                            i++;
                        }
                        else if (text[i] == '\'')
                        {
                            i++;
                            break;
                        }
                        else
                        {
                            literal.Append(text[i]);
                        }
                    }

                    tokens.Add(literal.Append('\'').ToString());
                }
                else
                {
                    var start = i;
                    while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or ':' or '\''))
                    {
                        i++;
                    }

                    tokens.Add(text[start..i]);
                }
            }

            return tokens;
        }

        [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
        private static partial Regex FieldName();
    }
}
