using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Google.Protobuf;
using LlmOps.LocalHost.Rpc;
using LlmOps.Triggers;

namespace LlmOps.LocalHost.Worker;

/// <summary>Each trigger's input as the Functions host sends it to an isolated worker.</summary>
public sealed partial class FunctionWorker
{
    private const string JsonContent = "application/json";

    /// <summary>
    /// A blob trigger, bound deferred (ModelBindingData from AzureStorageBlobs): the worker's Storage extension opens the
    /// blob itself with the app's connection setting. The path pattern's tokens go along as trigger metadata.
    /// </summary>
    public async Task InvokeBlobAsync(FunctionDefinition function, BlobTriggerInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(input);
        var blob = _storage.Container(input.Container).GetBlobClient(input.Name);
        await InvokeAsync(function.Name, (loaded, request) =>
        {
            var content = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["Connection"] = loaded.Connection,
                ["ContainerName"] = blob.BlobContainerName,
                ["BlobName"] = blob.Name,
            });
            request.InputData.Add(Binding(loaded.TriggerBinding, new TypedData { ModelBindingData = Model("AzureStorageBlobs", content) }));
            foreach (var (token, value) in input.Bindings)
            {
                request.TriggerMetadata[token] = Text(value);
            }

            request.TriggerMetadata["BlobTrigger"] = Text($"{blob.BlobContainerName}/{blob.Name}");
            request.TriggerMetadata["Uri"] = Text(blob.Uri.ToString());
        }, null, cancellationToken);
    }

    /// <summary>A queue trigger: the message as ModelBindingData (AzureStorageQueues), and its metadata beside it.</summary>
    public async Task InvokeQueueAsync(FunctionDefinition function, QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(message);
        var text = message.Body.ToString();
        await InvokeAsync(function.Name, (loaded, request) =>
        {
            var content = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["MessageId"] = message.MessageId,
                ["PopReceipt"] = message.PopReceipt,
                ["MessageText"] = text,
                ["DequeueCount"] = message.DequeueCount,
                ["NextVisibleOn"] = message.NextVisibleOn?.UtcDateTime,
                ["InsertedOn"] = message.InsertedOn?.UtcDateTime,
                ["ExpiresOn"] = message.ExpiresOn?.UtcDateTime,
            });
            request.InputData.Add(Binding(loaded.TriggerBinding, new TypedData { ModelBindingData = Model("AzureStorageQueues", content) }));
            request.TriggerMetadata["QueueTrigger"] = Text(text);
            request.TriggerMetadata["Id"] = Text(message.MessageId);
            request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(CultureInfo.InvariantCulture) };
            request.TriggerMetadata["PopReceipt"] = Text(message.PopReceipt);
            AddTime(request, "InsertionTime", message.InsertedOn);
            AddTime(request, "ExpirationTime", message.ExpiresOn);
            AddTime(request, "NextVisibleTime", message.NextVisibleOn);
        }, null, cancellationToken);
    }

    /// <summary>A timer trigger: TimerInfo as JSON, with the schedule status the host's monitor keeps and past-due.</summary>
    public async Task InvokeTimerAsync(FunctionDefinition function, TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(tick);
        var timer = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = (tick.Last ?? DateTimeOffset.MinValue).UtcDateTime, Next = (tick.Next ?? tick.ScheduledTime).UtcDateTime, LastUpdated = tick.ScheduledTime.UtcDateTime },
            tick.IsPastDue,
        });
        await InvokeAsync(function.Name, (loaded, request) => request.InputData.Add(Binding(loaded.TriggerBinding, new TypedData { Json = timer })), null, cancellationToken);
    }

    /// <summary>
    /// An HTTP trigger with the worker's ASP.NET Core integration: the request is proxied to the worker's own HTTP address
    /// with <c>x-ms-invocation-id</c>, beside an InvocationRequest that carries an empty http input; the worker pairs the two.
    /// </summary>
    public async Task<HttpResponseMessage> InvokeHttpAsync(FunctionDefinition function, HttpRequestMessage proxied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(proxied);
        HttpResponseMessage? response = null;
        await InvokeAsync(
            function.Name,
            (loaded, request) => request.InputData.Add(Binding(loaded.TriggerBinding, new TypedData { Http = new RpcHttp() })),
            async (loaded, invocationId) =>
            {
                var httpUri = loaded.HttpUri
                    ?? throw new InvalidOperationException("The worker did not report an HttpUri: it is not built with the ASP.NET Core integration.");
                proxied.RequestUri = new Uri(httpUri, proxied.RequestUri!.PathAndQuery);
                proxied.Headers.TryAddWithoutValidation("x-ms-invocation-id", invocationId);
                response = await _http.SendAsync(proxied, HttpCompletionOption.ResponseContentRead, cancellationToken);
            },
            cancellationToken);
        return response!;
    }

    private static ParameterBinding Binding(string name, TypedData data) => new() { Name = name, Data = data };

    private static ModelBindingData Model(string source, byte[] content) =>
        new() { Version = "1.0", Source = source, ContentType = JsonContent, Content = ByteString.CopyFrom(content) };

    private static TypedData Text(string value) => new() { String = value };

    private static void AddTime(InvocationRequest request, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            request.TriggerMetadata[name] = Text(value.ToString("O", CultureInfo.InvariantCulture));
        }
    }
}
