using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Deployment;

/// <summary>
/// infra/ as azd deploys it: compiled and linted by the bicep CLI (from its NuGet package, offline) with no warning,
/// and the compiled ARM template checked for what must hold in Azure.
/// </summary>
public sealed partial class InfraTests
{
    private static readonly string Infra = RepositoryRoot.Combine("infra");

    private static string Bicep
    {
        get
        {
            var path = typeof(InfraTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
            Assert.True(File.Exists(path), $"The bicep CLI is not at {path}: is the Azure.Bicep.CommandLine.linux-x64 package restored?");
            if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute); // a package extracted without its mode bits
            }

            return path;
        }
    }

    private static async Task<(int Exit, string Output, string Errors)> RunBicepAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Bicep) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Infra };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }

    private static async Task<JsonElement> CompiledResourcesAsync()
    {
        var main = await CompiledMainAsync();
        var nested = main.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments");
        return nested.GetProperty("properties").GetProperty("template");
    }

    private static async Task<JsonElement> CompiledMainAsync()
    {
        var (exit, output, errors) = await RunBicepAsync("build", "main.bicep", "--stdout");
        Assert.True(exit == 0, errors);
        Assert.Equal("", errors.Trim()); // no warning either
        return JsonDocument.Parse(output).RootElement;
    }

    [Fact]
    public async Task Bicep_BuildsAndLints_WithoutAWarning()
    {
        var (exit, output, errors) = await RunBicepAsync("lint", "main.bicep");
        Assert.True(exit == 0, output + errors);
        Assert.Equal("", (output + errors).Trim());
        using var parameters = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Infra, "main.parameters.json")));
        Assert.Equal("${AZURE_ENV_NAME}", parameters.RootElement.GetProperty("parameters").GetProperty("environmentName").GetProperty("value").GetString());
        await CompiledResourcesAsync();
    }

    [Fact]
    public async Task Storage_SharedKeysOff_EveryNameTheCodeUses_WormOnVersions_RawRetention_StagedPartsExpire()
    {
        var template = await CompiledResourcesAsync();
        var variables = template.GetProperty("variables");
        Assert.Equal(StorageNames.Containers, Strings(variables.GetProperty("containers")));
        Assert.Equal(StorageNames.Queues, Strings(variables.GetProperty("queues")));
        Assert.Equal(StorageNames.Tables, Strings(variables.GetProperty("tables")));
        Assert.Contains(StorageNames.DatasetsContainer, Strings(variables.GetProperty("immutableContainers")));
        Assert.Contains(StorageNames.EmbeddingsContainer, Strings(variables.GetProperty("immutableContainers")));

        var resources = template.GetProperty("resources").EnumerateArray().ToList();
        var account = Single(resources, "Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());
        Assert.True(Single(resources, "Microsoft.Storage/storageAccounts/blobServices").GetProperty("properties").GetProperty("isVersioningEnabled").GetBoolean());

        // The loops create exactly those lists.
        Assert.Contains(resources, r => Type(r) == "Microsoft.Storage/storageAccounts/blobServices/containers" && r.GetProperty("copy").GetProperty("count").GetString()!.Contains("variables('containers')", StringComparison.Ordinal));
        Assert.Contains(resources, r => Type(r) == "Microsoft.Storage/storageAccounts/queueServices/queues" && r.GetProperty("copy").GetProperty("count").GetString()!.Contains("variables('queues')", StringComparison.Ordinal));
        Assert.Contains(resources, r => Type(r) == "Microsoft.Storage/storageAccounts/tableServices/tables" && r.GetProperty("copy").GetProperty("count").GetString()!.Contains("variables('tables')", StringComparison.Ordinal));
        var rules = Single(resources, "Microsoft.Storage/storageAccounts/managementPolicies").GetProperty("properties").GetProperty("policy").GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(["raw/"], Strings(rules[0].GetProperty("definition").GetProperty("filters").GetProperty("prefixMatch")));
        // Staged parts (and the versions their deletes leave) do not outlive the runs that staged them.
        var staged = rules.Single(r => r.GetProperty("name").GetString() == "delete-staged-parts");
        Assert.Equal([StorageNames.DatasetsContainer + "/" + LlmOps.Datasets.PartStaging.Prefix], Strings(staged.GetProperty("definition").GetProperty("filters").GetProperty("prefixMatch")));
        Assert.True(staged.GetProperty("definition").GetProperty("actions").TryGetProperty("version", out _));
        // The same age the local host expires them at.
        Assert.Equal(LlmOps.Datasets.PartStaging.Expiry.TotalDays, staged.GetProperty("definition").GetProperty("actions").GetProperty("baseBlob").GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetDouble());
        Assert.Equal("Microsoft.Storage.StorageAccounts", Single(resources, "Microsoft.EventGrid/systemTopics").GetProperty("properties").GetProperty("topicType").GetString());
    }

    [Fact]
    public async Task FunctionApp_FlexDotnet10_EverySettingTheCodeReads_NoSecret_IdentityHoldsEachRoleOnItsResource()
    {
        var template = await CompiledResourcesAsync();
        var resources = template.GetProperty("resources").EnumerateArray().ToList();
        Assert.Equal("FC1", Single(resources, "Microsoft.Web/serverfarms").GetProperty("sku").GetProperty("name").GetString());
        var site = Single(resources, "Microsoft.Web/sites").GetProperty("properties");
        var config = site.GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("UserAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());

        var settings = site.GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!, StringComparer.Ordinal);
        // Every %Setting% a trigger of the built app binds to (functions.metadata), and every connection it names, which
        // is an identity-based one here: its service URIs are settings.
        var triggers = Functions.FunctionsMetadata.Load().Values.Select(Functions.FunctionsMetadata.Trigger).ToList();
        var bound = triggers.SelectMany(t => t.EnumerateObject()).Where(p => p.Value.ValueKind == JsonValueKind.String)
            .SelectMany(p => SettingReference().Matches(p.Value.GetString()!).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(6, bound.Count);
        Assert.Subset(settings.Keys.ToHashSet(StringComparer.Ordinal), bound);
        var connections = triggers.Where(t => t.TryGetProperty("connection", out _)).Select(t => t.GetProperty("connection").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal([Functions.CatalogParity.Connection], connections);
        Assert.All(connections, c => Assert.Contains(c + "__blobServiceUri", settings.Keys));
        string[] identity = ["AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "LlmOps__AzureOpenAI__Endpoint", "LlmOps__AzureOpenAI__ClientId", "APPLICATIONINSIGHTS_CONNECTION_STRING"];
        Assert.Subset(settings.Keys.ToHashSet(StringComparer.Ordinal), identity.ToHashSet(StringComparer.Ordinal));
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain(settings, s => s.Key == "AzureWebJobsStorage" || s.Key.Contains("ApiKey", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(settings.Values, v => v.Contains("listKeys", StringComparison.OrdinalIgnoreCase) || v.Contains("AccountKey", StringComparison.OrdinalIgnoreCase));
        Assert.True(Single(resources, "Microsoft.Insights/components").GetProperty("properties").GetProperty("DisableLocalAuth").GetBoolean());
        Assert.True(Single(resources, "Microsoft.CognitiveServices/accounts").GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean());

        // The app identity's roles, each on the resource it is for.
        var roles = template.GetProperty("variables").GetProperty("roles");
        var assignments = resources.Where(r => Type(r) == "Microsoft.Authorization/roleAssignments" && !r.TryGetProperty("condition", out _)).ToList();
        var storageRoles = Strings(template.GetProperty("variables").GetProperty("appStorageRoleIds"));
        void HasRole(string role, string guid, string scopeType)
        {
            Assert.Equal(guid, roles.GetProperty(role).GetString());
            var byName = $"variables('roles').{role}";
            Assert.Contains(assignments, a =>
                a.GetProperty("scope").GetString()!.Contains($"resourceId('{scopeType}'", StringComparison.Ordinal)
                && a.GetProperty("properties").GetProperty("principalId").GetString()!.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.Ordinal)
                && a.GetProperty("properties").GetProperty("roleDefinitionId").GetString() is { } definition
                && (definition.Contains(byName, StringComparison.Ordinal)
                    || (definition.Contains("variables('appStorageRoleIds')", StringComparison.Ordinal) && storageRoles.Any(r => r.Contains(byName, StringComparison.Ordinal)))));
        }

        // Built-in role definition ids (Azure's documented GUIDs).
        HasRole("storageBlobDataOwner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts");
        HasRole("storageQueueDataContributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts");
        HasRole("storageTableDataContributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts");
        HasRole("monitoringMetricsPublisher", "3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components");
        HasRole("cognitiveServicesOpenAIUser", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", "Microsoft.CognitiveServices/accounts");
        HasRole("keyVaultSecretsUser", "4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults");
    }

    [Fact]
    public async Task AzureAISearch_OptionalByParameter_KeysOff_AppIdentityWritesDocumentsAndCreatesIndexes()
    {
        var main = await CompiledMainAsync();
        Assert.Equal("", main.GetProperty("parameters").GetProperty("searchSku").GetProperty("defaultValue").GetString());
        Assert.True(main.GetProperty("outputs").TryGetProperty("LlmOps__AzureAISearch__Endpoint", out _));
        var template = await CompiledResourcesAsync();
        var resources = template.GetProperty("resources").EnumerateArray().ToList();
        var search = Single(resources, "Microsoft.Search/searchServices");
        Assert.Contains("deploySearch", search.GetProperty("condition").GetString(), StringComparison.Ordinal);
        Assert.True(search.GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean());
        Assert.Equal("[parameters('searchReplicas')]", search.GetProperty("properties").GetProperty("replicaCount").GetString());
        Assert.Equal("[parameters('searchPartitions')]", search.GetProperty("properties").GetProperty("partitionCount").GetString());

        var roles = template.GetProperty("variables").GetProperty("roles");
        Assert.Equal("8ebe5a00-799e-43f5-93ac-243d3dce84a7", roles.GetProperty("searchIndexDataContributor").GetString());
        Assert.Equal("7ca78c08-252a-4471-8644-bb5ff32d4ba0", roles.GetProperty("searchServiceContributor").GetString());
        Assert.Equal(["[variables('roles').searchIndexDataContributor]", "[variables('roles').searchServiceContributor]"], Strings(template.GetProperty("variables").GetProperty("searchRoleIds")));
        Assert.Contains(resources, a => Type(a) == "Microsoft.Authorization/roleAssignments"
            && a.GetProperty("scope").GetString()!.Contains("resourceId('Microsoft.Search/searchServices'", StringComparison.Ordinal)
            && a.GetProperty("properties").GetProperty("principalId").GetString()!.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.Ordinal)
            && a.GetProperty("copy").GetProperty("count").GetString()!.Contains("variables('searchRoleIds')", StringComparison.Ordinal));

        var settings = Single(resources, "Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!, StringComparer.Ordinal);
        Assert.Contains("search.windows.net", settings["LlmOps__AzureAISearch__Endpoint"], StringComparison.Ordinal);
        Assert.Contains("userAssignedIdentities", settings["LlmOps__AzureAISearch__ClientId"], StringComparison.Ordinal);
        Assert.NotNull(typeof(LlmOps.Embeddings.AzureAISearchOptions).GetProperty("ClientId"));
    }

    [Fact]
    public async Task Retention_StorageRulesAndTheTimer_CarryTheSameCeilings_TheSamplesStayUnderThem()
    {
        var main = await CompiledMainAsync();
        var ceilings = main.GetProperty("parameters").GetProperty("retentionDays").GetProperty("defaultValue");
        var defaults = new LlmOps.Compliance.RetentionOptions();
        var expected = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["raw"] = defaults.RawDays, ["quarantine"] = defaults.QuarantineDays, ["traces"] = defaults.TracesDays,
            ["feedback"] = defaults.FeedbackDays, ["reports"] = defaults.ReportsDays, ["taskSets"] = defaults.TaskSetsDays,
        };
        Assert.Equal(expected, ceilings.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal));

        // Each storage rule deletes at the ceiling of its kind, and the app reads the same parameter as its ceilings.
        var template = await CompiledResourcesAsync();
        var resources = template.GetProperty("resources").EnumerateArray().ToList();
        var rules = Single(resources, "Microsoft.Storage/storageAccounts/managementPolicies").GetProperty("properties").GetProperty("policy").GetProperty("rules").EnumerateArray()
            .ToDictionary(r => Strings(r.GetProperty("definition").GetProperty("filters").GetProperty("prefixMatch")).Single(), r => r.GetProperty("definition").GetProperty("actions"), StringComparer.Ordinal);
        var byPrefix = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StorageNames.RawContainer + "/"] = "raw", [StorageNames.QuarantineContainer + "/"] = "quarantine", [StorageNames.FeedbackContainer + "/"] = "feedback",
            [StorageNames.AnalyticsContainer + "/" + LlmOps.Feedback.FeedbackPartitions.TracesFolder] = "traces", [StorageNames.AnalyticsContainer + "/" + LlmOps.Feedback.FeedbackPartitions.ScoresFolder] = "traces",
        };
        foreach (var (prefix, kind) in byPrefix)
        {
            Assert.Equal($"[parameters('retentionDays').{kind}]", rules[prefix].GetProperty("baseBlob").GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetString());
            Assert.Equal($"[parameters('retentionDays').{kind}]", rules[prefix].GetProperty("version").GetProperty("delete").GetProperty("daysAfterCreationGreaterThan").GetString());
        }

        var settings = Single(resources, "Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!, StringComparer.Ordinal);
        foreach (var kind in expected.Keys)
        {
            var setting = $"LlmOps__Retention__{char.ToUpperInvariant(kind[0])}{kind[1..]}Days";
            Assert.Equal($"[string(parameters('retentionDays').{kind})]", settings[setting]);
            Assert.NotNull(typeof(LlmOps.Compliance.RetentionOptions).GetProperty(setting["LlmOps__Retention__".Length..]));
        }

        // The samples ask for no more than the ceilings, so the storage rules never delete before their timer would.
        foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("samples"), "*.lifecycle.yaml"))
        {
            var retention = LlmOps.Lifecycle.LifecycleParser.Parse(await File.ReadAllTextAsync(file)).Retention;
            Assert.True((retention.RawDays ?? 0) <= defaults.RawDays && (retention.QuarantineDays ?? 0) <= defaults.QuarantineDays && (retention.TracesDays ?? 0) <= defaults.TracesDays && (retention.FeedbackDays ?? 0) <= defaults.FeedbackDays, file);
        }
    }

    [Fact]
    public async Task Governance_EasyAuthWhenAnAppIsNamed_DeployerIsAdmin_SubjectKeyInKeyVault_AuditAppendOnly()
    {
        var template = await CompiledResourcesAsync();
        var resources = template.GetProperty("resources").EnumerateArray().ToList();
        var auth = Single(resources, "Microsoft.Web/sites/config");
        Assert.Contains("authClientId", auth.GetProperty("condition").GetString(), StringComparison.Ordinal);
        var properties = auth.GetProperty("properties");
        Assert.Equal("AllowAnonymous", properties.GetProperty("globalValidation").GetProperty("unauthenticatedClientAction").GetString());
        Assert.True(properties.GetProperty("identityProviders").GetProperty("azureActiveDirectory").GetProperty("enabled").GetBoolean());

        var settings = Single(resources, "Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!, StringComparer.Ordinal);
        Assert.Contains("authClientId", settings["LlmOps__Governance__TrustAppServiceAuthentication"], StringComparison.Ordinal);
        Assert.Contains("entra:", settings["LlmOps__Governance__Admins__0"], StringComparison.Ordinal);

        // The subject key: in Key Vault, read by the app through a reference with its identity, created once by the hook.
        var vault = Single(resources, "Microsoft.KeyVault/vaults").GetProperty("properties");
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})'", settings["LlmOps__Governance__SubjectKey"], StringComparison.Ordinal);
        Assert.Contains("userAssignedIdentities", Single(resources, "Microsoft.Web/sites").GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(resources, r => Type(r) == "Microsoft.KeyVault/vaults/secrets");
        var hook = await File.ReadAllTextAsync(Path.Combine(Infra, "hooks", "postprovision.sh"));
        Assert.True(hook.IndexOf("secret show", StringComparison.Ordinal) is var show and >= 0 && show < hook.IndexOf("secret set", StringComparison.Ordinal));
        Assert.Contains("postprovision.sh", await File.ReadAllTextAsync(RepositoryRoot.Combine("azure.yaml")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Infra, "hooks", "postprovision.ps1")));

        var audit = Single(resources, "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies").GetProperty("properties");
        Assert.True(audit.GetProperty("allowProtectedAppendWrites").GetBoolean());
        Assert.Contains("auditRetentionDays", audit.GetProperty("immutabilityPeriodSinceCreationInDays").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Telemetry_GoesToAppInsights_EventsReachAnActionGroupThroughAnAlertOnTheirMetrics()
    {
        var template = await CompiledResourcesAsync();
        var resources = template.GetProperty("resources").EnumerateArray().ToList();
        // The app sends traces and metrics with the identity (Azure Monitor exporter, AAD): the connection string and
        // the authentication string that names the identity; host.json asks the Functions host for OpenTelemetry too.
        var settings = Single(resources, "Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!, StringComparer.Ordinal);
        Assert.Contains("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
        Assert.Equal("OpenTelemetry", JsonDocument.Parse(await File.ReadAllTextAsync(RepositoryRoot.Combine("host.json"))).RootElement.GetProperty("telemetryMode").GetString());

        var group = Single(resources, "Microsoft.Insights/actionGroups");
        Assert.Contains("alertEmail", group.GetProperty("condition").GetString(), StringComparison.Ordinal);
        var rule = Single(resources, "Microsoft.Insights/scheduledQueryRules").GetProperty("properties");
        var query = rule.GetProperty("criteria").GetProperty("allOf")[0].GetProperty("query").GetString()!;
        Assert.Contains($"\"{LlmOps.Telemetry.LlmOpsTelemetry.NotificationEvents.Name}\"", query, StringComparison.Ordinal);
        Assert.Contains($"\"{LlmOps.Telemetry.LlmOpsTelemetry.PoisonMessages.Name}\"", query, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/actionGroups", rule.GetProperty("actions").GetProperty("actionGroups")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureYaml_NamesTheFunctionsProject_HooksExistAndParse()
    {
        var yaml = new YamlDotNet.Serialization.DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, object>>(await File.ReadAllTextAsync(RepositoryRoot.Combine("azure.yaml")));
        var service = (Dictionary<object, object>)((Dictionary<object, object>)yaml["services"])["functions"];
        Assert.Equal("./functions/LlmOps.Functions", service["project"]);
        Assert.Equal("function", service["host"]);
        Assert.Equal("dotnet", service["language"]);
        Assert.True(File.Exists(RepositoryRoot.Combine("functions", "LlmOps.Functions", "LlmOps.Functions.csproj")));
        var postdeploy = (Dictionary<object, object>)((Dictionary<object, object>)yaml["hooks"])["postdeploy"];
        foreach (var platform in new[] { "posix", "windows" })
        {
            var script = (string)((Dictionary<object, object>)postdeploy[platform])["run"];
            Assert.True(File.Exists(RepositoryRoot.Combine(script.TrimStart('.', '/'))), script);
        }

        // The hook's shell syntax, and the outputs it reads exist in main.bicep.
        var check = Process.Start(new ProcessStartInfo("sh", ["-n", RepositoryRoot.Combine("infra", "hooks", "postdeploy.sh")]) { RedirectStandardError = true })!;
        var syntax = await check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();
        Assert.True(check.ExitCode == 0, syntax);
        // Every blob trigger of the catalog gets its Event Grid subscription from both hooks.
        var posix = await File.ReadAllTextAsync(RepositoryRoot.Combine("infra", "hooks", "postdeploy.sh"));
        var windows = await File.ReadAllTextAsync(RepositoryRoot.Combine("infra", "hooks", "postdeploy.ps1"));
        foreach (var blob in LlmOps.Triggers.TriggerCatalog.All.Where(f => f.Kind == LlmOps.Triggers.TriggerKind.Blob))
        {
            var container = blob.Target.Split('/')[0];
            Assert.Matches($@"\nsubscribe [a-z-]+ {blob.Name} {container}\n", posix);
            Assert.Contains($"'{blob.Name}', '{container}')", windows, StringComparison.Ordinal);
        }

        var main = await File.ReadAllTextAsync(Path.Combine(Infra, "main.bicep"));
        foreach (var output in new[] { "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "AZURE_STORAGE_ACCOUNT_NAME" })
        {
            Assert.Contains($"output {output} ", main, StringComparison.Ordinal);
        }
    }

    private static string Type(JsonElement resource) => resource.GetProperty("type").GetString()!;

    private static JsonElement Single(List<JsonElement> resources, string type) => resources.Single(r => Type(r) == type);

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
