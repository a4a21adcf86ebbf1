using Grpc.Core;
using LlmOps.LocalHost.Rpc;

namespace LlmOps.LocalHost.Worker;

/// <summary>The host's end of FunctionRpc: a worker opens EventStream, names itself in StartStream, and is served until it ends.</summary>
internal sealed class FunctionRpcService(FunctionWorker worker) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.InvalidArgument, "A worker's first message on EventStream must be StartStream."));
        }

        await worker.AttachAsync(requestStream.Current.StartStream.WorkerId, requestStream, responseStream, context.CancellationToken);
    }
}
