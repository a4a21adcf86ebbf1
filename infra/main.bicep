// LlmOps in Azure: one resource group holding the function app (Flex Consumption), its storage account (shared keys
// off, identity-based access only), monitoring, Azure OpenAI, and the identity that ties them together.
// Plain Bicep: registry modules (br/public:) cannot be restored offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('The azd environment name; resource names derive from it.')
param environmentName string

@minLength(1)
@description('Region for every resource but Azure OpenAI.')
param location string

@description('Region for Azure OpenAI (model availability differs by region).')
param openAiLocation string = location

@description('Object id of the deploying user or group: given data-plane roles so the CLI and notebooks work against the cloud account. Empty for none.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@description('Embedding model deployment.')
param embeddingModelName string = 'text-embedding-3-small'
param embeddingModelVersion string = '1'
param embeddingDeploymentName string = 'text-embedding-3-small'
param embeddingCapacity int = 30

@description('Chat model deployment (LLM-as-judge and the evaluation target).')
param chatModelName string = 'gpt-4o-mini'
param chatModelVersion string = '2024-07-18'
param chatDeploymentName string = 'gpt-4o-mini'
param chatCapacity int = 30

@allowed([512, 2048, 4096])
@description('Flex Consumption instance memory in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Flex Consumption maximum instance count.')
param maximumInstanceCount int = 40

@description('Ceilings in days of each kind of data (LlmOps:Retention): the Retention timer applies each lifecycle\'s shorter numbers, and the storage account\'s lifecycle rules delete raw drops, quarantine, feedback drops and analytics parts at these, whatever the timer did.')
param retentionDays object = {
  raw: 90
  quarantine: 90
  traces: 365
  feedback: 90
  reports: 365
  taskSets: 365
}

@description('NCRONTAB schedule of the Retention timer (each lifecycle\'s retention applied, with a report).')
param retentionSchedule string = '0 15 3 * * *'

@description('NCRONTAB schedules (six fields) of the timer functions.')
param heartbeatSchedule string = '0 */5 * * * *'
param driftTickSchedule string = '0 */5 * * * *'
@description('When the feedback Parquet of past days is compacted into daily files (NCRONTAB, six fields).')
param feedbackCompactSchedule string = '0 30 2 * * *'

@description('NCRONTAB schedule of the canary checks (compare canary deployments with stable ones; promote or roll back).')
param canaryCheckSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule of the budget check (today\'s spend of each feature with budgets, recomputed from its traces).')
param budgetCheckSchedule string = '0 10 * * * *'

@description('Email of the person told of events that need one (drift alerts, canary decisions, refused gates, poison, budget breaches): an Action Group and an alert rule on the app\'s telemetry. Empty: no Action Group (the lifecycles\' notify webhooks still work).')
param alertEmail string = ''

@description('Client id of a Microsoft Entra app registration for App Service authentication: with it, callers of the HTTP API are identified by their Entra tokens (X-MS-CLIENT-PRINCIPAL), beside keys. Empty: keys only.')
param authClientId string = ''

@description('Days the audit log\'s blobs are kept immutable (a time-based retention policy with protected appends on the audit container).')
param auditRetentionDays int = 365

@description('Azure AI Search, for features whose lifecycle says embedding.store: azure-ai-search. Empty (the default) deploys none; a SKU deploys one the app reaches with its identity (no key).')
@allowed(['', 'basic', 'standard', 'standard2', 'standard3', 'storage_optimized_l1', 'storage_optimized_l2'])
param searchSku string = ''

@description('Search replicas (query throughput and availability: 2 for read SLA, 3 for read-write) and partitions (storage and vector quota), see docs/scale-out.md.')
@minValue(1)
@maxValue(12)
param searchReplicas int = 1

@minValue(1)
@maxValue(12)
param searchPartitions int = 1

var tags = { 'azd-env-name': environmentName }

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'llmops-resources'
  scope: group
  params: {
    environmentName: environmentName
    location: location
    openAiLocation: openAiLocation
    principalId: principalId
    principalType: principalType
    embeddingModelName: embeddingModelName
    embeddingModelVersion: embeddingModelVersion
    embeddingDeploymentName: embeddingDeploymentName
    embeddingCapacity: embeddingCapacity
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatDeploymentName: chatDeploymentName
    chatCapacity: chatCapacity
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    retentionDays: retentionDays
    retentionSchedule: retentionSchedule
    heartbeatSchedule: heartbeatSchedule
    driftTickSchedule: driftTickSchedule
    feedbackCompactSchedule: feedbackCompactSchedule
    canaryCheckSchedule: canaryCheckSchedule
    budgetCheckSchedule: budgetCheckSchedule
    alertEmail: alertEmail
    authClientId: authClientId
    auditRetentionDays: auditRetentionDays
    searchSku: searchSku
    searchReplicas: searchReplicas
    searchPartitions: searchPartitions
    tags: tags
  }
}

output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
output AzureWebJobsStorage__blobServiceUri string = resources.outputs.blobServiceUri
output AzureWebJobsStorage__queueServiceUri string = resources.outputs.queueServiceUri
output AzureWebJobsStorage__tableServiceUri string = resources.outputs.tableServiceUri
output LlmOps__AzureOpenAI__Endpoint string = resources.outputs.openAiEndpoint
output LlmOps__AzureAISearch__Endpoint string = resources.outputs.searchEndpoint
output AZURE_KEY_VAULT_NAME string = resources.outputs.keyVaultName
