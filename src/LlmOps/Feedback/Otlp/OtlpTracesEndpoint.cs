using System.IO.Compression;
using Google.Protobuf;
using LlmOps.Triggers;

namespace LlmOps.Feedback.Otlp;

/// <summary>
/// <c>POST /api/v1/traces</c>, an OTLP/HTTP trace receiver (protobuf or JSON, gzip or not, function key in the
/// <c>x-functions-key</c> header the exporter sends): GenAI answer and embedding spans become traces through the same
/// validation and storage as <c>POST /api/traces</c>; other spans are skipped. Answers as OTLP does: 200 with an
/// ExportTraceServiceResponse, its partial_success naming how many answer spans were rejected and why; 400 for a
/// body that is not an export; 413 over the size limit.
/// </summary>
public sealed class OtlpTracesEndpoint(FeedbackIngestor ingestor, Governance.SubjectHasher subjects) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true;
        ReadOnlyMemory<byte> body;
        try
        {
            body = string.Equals(request.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase) ? Gunzip(request.Body) : request.Body;
        }
        catch (InvalidDataException ex)
        {
            return HttpTriggerResponse.Problem(400, "The body is not gzip", ex.Message);
        }

        if (body.Length > FeedbackEndpoint.MaxBodyBytes)
        {
            return HttpTriggerResponse.Problem(413, "Request body too large", $"At most {FeedbackEndpoint.MaxBodyBytes >> 20} MB per export; lower the exporter's batch size.");
        }

        IReadOnlyList<OtlpSpan> spans;
        try
        {
            spans = OtlpTraceReader.Read(body, json);
        }
        catch (FormatException ex)
        {
            return HttpTriggerResponse.Problem(400, "Not an OTLP trace export", ex.Message);
        }

        var answers = spans.Where(GenAiSpanMapper.IsModelCall).ToList();
        var key = await subjects.KeyAsync(cancellationToken);
        var drafts = answers.Select(span =>
        {
            try
            {
                return ((Trace?)GenAiSpanMapper.Map(span, key), (string?)null);
            }
            catch (FormatException ex)
            {
                return (null, ex.Message);
            }
        }).ToList();
        var results = drafts.Count == 0 ? [] : await ingestor.IngestTracesAsync(drafts, i => $"{answers[i].TraceId}-{answers[i].SpanId}", cancellationToken);
        var rejected = results.Where(r => r.Status == FeedbackItemResult.Rejected).ToList();
        var message = rejected.Count == 0 ? "" : string.Join("; ", rejected.Take(5).Select(r => $"{r.Id}: {r.Reason}"));
        return json
            ? HttpTriggerResponse.Json<object>(rejected.Count == 0 ? new { } : new { partialSuccess = new { rejectedSpans = rejected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), errorMessage = message } })
            : new HttpTriggerResponse(200, "application/x-protobuf", Response(rejected.Count, message));
    }

    /// <summary>ExportTraceServiceResponse { partial_success = 1 { rejected_spans = 1; error_message = 2 } }.</summary>
    private static byte[] Response(int rejected, string message)
    {
        if (rejected == 0)
        {
            return [];
        }

        using var partial = new MemoryStream();
        using (var output = new CodedOutputStream(partial, leaveOpen: true))
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt64(rejected);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString(message);
        }

        using var response = new MemoryStream();
        using (var output = new CodedOutputStream(response, leaveOpen: true))
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(partial.ToArray()));
        }

        return response.ToArray();
    }

    private static byte[] Gunzip(ReadOnlyMemory<byte> body)
    {
        using var input = new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
            if (output.Length > FeedbackEndpoint.MaxBodyBytes)
            {
                break; // over the limit: the caller answers 413 without inflating the rest
            }
        }

        return output.ToArray();
    }
}
