using LlmOps.Development;
using SupportBot;

// dotnet run --project samples/SupportBot -- <LlmOps address> <key> [question ...]
// Without AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY it talks to a loopback server speaking the Azure OpenAI protocol.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: SupportBot <LlmOps address, e.g. http://127.0.0.1:7071/> <function or named key> [question ...]");
    return 2;
}

await using var fake = Environment.GetEnvironmentVariable("AZURE_OPENAI_ENDPOINT") is null ? await FakeAzureOpenAIServer.StartAsync() : null;
var openAi = fake?.Endpoint ?? new Uri(Environment.GetEnvironmentVariable("AZURE_OPENAI_ENDPOINT")!);
var openAiKey = fake is null ? Environment.GetEnvironmentVariable("AZURE_OPENAI_API_KEY") ?? "" : FakeAzureOpenAIServer.ApiKey;
var questions = args.Length > 2 ? args[2..] : ["My password reset link says the token expired", "Why does the CSV export time out?"];
var answers = await SupportBotApp.RunAsync(new Uri(args[0]), args[1], openAi, openAiKey, questions.Select((q, i) => ($"user-{i}", q)));
foreach (var answer in answers)
{
    Console.WriteLine($"{answer.Question}\n  -> {answer.Answer ?? "blocked: " + answer.BlockedBy} ({answer.PromptVersion}, trace {answer.TraceId})");
}

return 0;
