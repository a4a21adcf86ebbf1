using System.ClientModel;
using LlmOps.Development;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace LlmOps.Tests.Embeddings;

public sealed class AzureOpenAIEmbeddingTests : IAsyncLifetime
{
    private FakeAzureOpenAIServer? _server;

    private FakeAzureOpenAIServer Server => _server!;

    public async Task InitializeAsync() => _server = await FakeAzureOpenAIServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private BatchingEmbeddingGenerator Generator(int dimensions = 256, int maxInputs = 2048, string? apiKey = FakeAzureOpenAIServer.ApiKey) =>
        new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions { Endpoint = Server.Endpoint, ApiKey = apiKey, MaxRetries = 3 }))
            .Create(new EmbeddingSettings(EmbeddingSettings.AzureOpenAI, "text-embedding-3-small", dimensions, "emb-deploy", maxInputs, 300_000));

    [Fact]
    public async Task FullBatch_SplitWithinTheInputLimit_VectorsInOrderWithDimensions()
    {
        using var generator = Generator();
        var texts = Enumerable.Range(0, 5000).Select(i => $"ticket {i}: refund for order {i * 7}").ToList();
        var embeddings = await generator.GenerateAsync(texts);

        Assert.Equal(5000, embeddings.Count);
        var requests = Server.Requests.ToList();
        Assert.Equal([2048, 2048, 904], requests.Select(r => r.Inputs));
        Assert.All(requests, r => Assert.Equal((200, "emb-deploy", 256), (r.Status, r.Deployment, r.Dimensions)));
        Assert.Equal(3, generator.Usage.Requests);
        var expected = new float[256];
        LocalEmbeddingGenerator.Embed(texts[4321], expected);
        Assert.Equal(expected, embeddings[4321].Vector.ToArray());
    }

    [Fact]
    public async Task Throttled_429WithRetryAfter_WaitsThenSucceeds()
    {
        using var generator = Generator();
        Server.ThrottleNext(1, retryAfterSeconds: 2);
        var embeddings = await generator.GenerateAsync(["where is my parcel", "reset my password"]);

        Assert.Equal(2, embeddings.Count);
        var requests = Server.Requests.ToList();
        Assert.Equal([429, 200], requests.Select(r => r.Status));
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(1.9), $"retried after {(requests[1].At - requests[0].At).TotalSeconds:0.00} s, Retry-After said 2 s");
    }

    [Fact]
    public async Task BadRequest_And_WrongKey_SurfaceTheServiceError()
    {
        using var generator = Generator();
        var bad = await Assert.ThrowsAsync<ClientResultException>(() => generator.GenerateAsync(["fine", ""]));
        Assert.Equal(400, bad.Status);
        Assert.Contains("'$.input' is invalid", bad.Message, StringComparison.Ordinal);

        using var wrongKey = Generator(apiKey: "nope");
        Assert.Equal(401, (await Assert.ThrowsAsync<ClientResultException>(() => wrongKey.GenerateAsync(["x"]))).Status);
    }

    [Fact]
    public void MissingEndpoint_ClearStartupError_NamingKeyAndIdentity()
    {
        var factory = new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions()));
        var error = ExpectError.Throws(ErrorCode.Invalid, () => factory.Create(EmbeddingSettings.Default with { Provider = EmbeddingSettings.AzureOpenAI }));
        Assert.Contains("LlmOps__AzureOpenAI__Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cognitive Services OpenAI User", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoKey_MicrosoftEntraTokenForCognitiveServices_Embeds_AnotherAudienceRefused()
    {
        var credential = new Storage.EntraTestCredential("https://cognitiveservices.azure.com");
        using var generator = new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions { Endpoint = Server.Endpoint, MaxRetries = 0 }), credential)
            .Create(new EmbeddingSettings(EmbeddingSettings.AzureOpenAI, "text-embedding-3-small", 64, "emb-deploy", 16, 300_000));
        var embeddings = await generator.GenerateAsync(["refund please", "reset my password"]);
        Assert.Equal(2, embeddings.Count);
        Assert.Contains("https://cognitiveservices.azure.com/.default", credential.Scopes);

        using var wrong = new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions { Endpoint = Server.Endpoint, MaxRetries = 0 }), new Storage.EntraTestCredential())
            .Create(new EmbeddingSettings(EmbeddingSettings.AzureOpenAI, "text-embedding-3-small", 64, "emb-deploy", 16, 300_000));
        Assert.Equal(401, (await Assert.ThrowsAsync<ClientResultException>(() => wrong.GenerateAsync(["x"]))).Status);
    }
}
