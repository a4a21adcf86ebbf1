// Every resource of one LlmOps environment, in its resource group (see main.bicep).
param environmentName string
param location string
param openAiLocation string
param principalId string
param principalType string
param embeddingModelName string
param embeddingModelVersion string
param embeddingDeploymentName string
param embeddingCapacity int
param chatModelName string
param chatModelVersion string
param chatDeploymentName string
param chatCapacity int
param instanceMemoryMB int
param maximumInstanceCount int
param retentionDays object
param retentionSchedule string
param heartbeatSchedule string
param driftTickSchedule string
param feedbackCompactSchedule string
param canaryCheckSchedule string
param budgetCheckSchedule string
param alertEmail string
param authClientId string
param auditRetentionDays int
param searchSku string
param searchReplicas int
param searchPartitions int
param tags object

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))

// The names the code uses (src/LlmOps/Storage/StorageNames.cs); a test checks these lists against it.
var containers = ['raw', 'quarantine', 'datasets', 'embeddings', 'reports', 'artifacts', 'labels', 'config', 'feedback', 'analytics', 'llmops-hosts', 'audit']
var queues = ['dataset-versions', 'dataset-versions-poison', 'actions', 'actions-poison', 'notifications', 'notifications-poison', 'ingest-shards', 'ingest-shards-poison', 'blob-poison']
var tables = ['heartbeats', 'ingestions', 'datasetversions', 'lineage', 'embeddingindexes', 'driftchecks', 'searchqueries', 'driftactions', 'driftschedule', 'experiments', 'runs', 'runmetrics', 'registry', 'labelbatches', 'adjudications', 'feedback', 'notifications', 'budgets', 'audit', 'roles', 'apikeys', 'approvals', 'holds', 'suppressions', 'llmopsblobreceipts']

// Write-once content: dataset versions and embedding index versions get version-level immutability (WORM).
var immutableContainers = ['datasets', 'embeddings']
var deploymentContainer = 'app-package'

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  cognitiveServicesOpenAIUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7'
  searchServiceContributor: '7ca78c08-252a-4471-8644-bb5ff32d4ba0'
}

// Optional: Azure AI Search for the features whose lifecycle says embedding.store: azure-ai-search. The app writes
// and queries documents (Search Index Data Contributor) and creates its indexes (Search Service Contributor), both
// with its identity; keys are off.
var deploySearch = !empty(searchSku)
var searchRoleIds = [roles.searchIndexDataContributor, roles.searchServiceContributor]
var searchServiceName = 'srch-${token}'

// The secret user and session ids (and erased subjects) are hashed with. The postprovision hook creates it once, before
// the app is deployed; Bicep never sets its value, so a redeploy cannot change it (every hash would change with it).
var subjectKeySecret = 'subject-key'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${token}'
  location: location
  tags: tags
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: { disableLocalAuth: true }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

// In Azure, events reach people through an Action Group too: the app counts every event it raises
// (llmops.notification.events, by kind) and every poisoned input (llmops.poison.messages) as metrics sent to
// App Insights, and this rule fires the group when any appear.
resource alertGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-llmops-${token}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'llmops'
    enabled: true
    emailReceivers: [{ name: 'owner', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

resource eventsAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = if (!empty(alertEmail)) {
  name: 'alert-llmops-events-${token}'
  location: location
  tags: tags
  properties: {
    displayName: 'LlmOps events that need a person'
    description: 'Drift alerts, canary decisions, refused gates, budget breaches and poisoned inputs (see llmops notify list and llmops poison list).'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name in ("llmops.notification.events", "llmops.poison.messages") | summarize Events = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'Events'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [alertGroup.id] }
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in containers: {
  parent: blobService
  name: name
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: { enabled: contains(immutableContainers, name) }
  }
}]

// The audit log is append-only in storage too: blobs can be appended to but not rewritten or deleted while the policy
// holds (unlocked here; lock it once the period is settled, and it cannot be shortened).
resource auditImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  name: '${storage.name}/default/audit/default'
  properties: {
    immutabilityPeriodSinceCreationInDays: auditRetentionDays
    allowProtectedAppendWrites: true
  }
  dependsOn: [blobContainers]
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource storageQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for name in queues: {
  parent: queueService
  name: name
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource storageTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for name in tables: {
  parent: tableService
  name: name
}]

resource retention 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-raw-drops'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['raw/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays.raw } }
              version: { delete: { daysAfterCreationGreaterThan: retentionDays.raw } }
            }
          }
        }
        {
          name: 'delete-quarantine'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['quarantine/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays.quarantine } }
              version: { delete: { daysAfterCreationGreaterThan: retentionDays.quarantine } }
            }
          }
        }
        {
          name: 'delete-feedback-drops'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['feedback/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays.feedback } }
              version: { delete: { daysAfterCreationGreaterThan: retentionDays.feedback } }
            }
          }
        }
        {
          name: 'delete-trace-parts'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['analytics/traces/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays.traces } }
              version: { delete: { daysAfterCreationGreaterThan: retentionDays.traces } }
            }
          }
        }
        {
          name: 'delete-score-parts'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['analytics/scores/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays.traces } }
              version: { delete: { daysAfterCreationGreaterThan: retentionDays.traces } }
            }
          }
        }
        {
          // Parts staged while a drop streams through are copied into the version and deleted by the run; this
          // removes the versions those deletes leave, and what a run killed for good left behind.
          name: 'delete-staged-parts'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['datasets/_staging/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: 2 } }
              version: { delete: { daysAfterCreationGreaterThan: 1 } }
            }
          }
        }
      ]
    }
  }
}

// Blob-created events for the Event Grid blob trigger (the subscription to the function's webhook is made after
// deploy by the azd hook: the webhook needs the deployed app's blobs_extension key).
resource storageEvents 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = {
  name: 'evgt-${token}'
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: 'oai-${token}'
  location: openAiLocation
  tags: tags
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: 'oai-${token}'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource embeddingDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: openAi
  name: embeddingDeploymentName
  sku: { name: 'Standard', capacity: embeddingCapacity }
  properties: {
    model: { format: 'OpenAI', name: embeddingModelName, version: embeddingModelVersion }
  }
}

resource chatDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: openAi
  name: chatDeploymentName
  sku: { name: 'GlobalStandard', capacity: chatCapacity }
  properties: {
    model: { format: 'OpenAI', name: chatModelName, version: chatModelVersion }
  }
  dependsOn: [embeddingDeployment]
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${token}'
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (the subject key) resolve with the app's user-assigned identity.
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Every setting the app reads, and no secret: storage, monitoring and Azure OpenAI go through the identity.
      appSettings: [
        { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'LlmOps__AzureOpenAI__Endpoint', value: openAi.properties.endpoint }
        { name: 'LlmOps__AzureOpenAI__ClientId', value: identity.properties.clientId }
        // Empty without a search service (the setting then reads as unset).
        { name: 'LlmOps__AzureAISearch__Endpoint', value: deploySearch ? 'https://${searchServiceName}.search.windows.net' : '' }
        { name: 'LlmOps__AzureAISearch__ClientId', value: identity.properties.clientId }
        { name: 'HeartbeatSchedule', value: heartbeatSchedule }
        { name: 'DriftTickSchedule', value: driftTickSchedule }
        { name: 'FeedbackCompactSchedule', value: feedbackCompactSchedule }
        { name: 'CanaryCheckSchedule', value: canaryCheckSchedule }
        { name: 'BudgetCheckSchedule', value: budgetCheckSchedule }
        { name: 'RetentionSchedule', value: retentionSchedule }
        // The same ceilings as the lifecycle rules above: the Retention timer warns of a lifecycle that asks for more.
        { name: 'LlmOps__Retention__RawDays', value: string(retentionDays.raw) }
        { name: 'LlmOps__Retention__QuarantineDays', value: string(retentionDays.quarantine) }
        { name: 'LlmOps__Retention__TracesDays', value: string(retentionDays.traces) }
        { name: 'LlmOps__Retention__FeedbackDays', value: string(retentionDays.feedback) }
        { name: 'LlmOps__Retention__ReportsDays', value: string(retentionDays.reports) }
        { name: 'LlmOps__Retention__TaskSetsDays', value: string(retentionDays.taskSets) }
        // Roles are enforced from the first call: the deploying user is an admin (llmops roles grant adds others).
        { name: 'LlmOps__Governance__SubjectKey', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${subjectKeySecret})' }
        { name: 'LlmOps__Governance__Admins__0', value: empty(principalId) ? '' : 'entra:${principalId}' }
        // Easy Auth sets X-MS-CLIENT-PRINCIPAL and strips what clients send: only then is the header trusted.
        { name: 'LlmOps__Governance__TrustAppServiceAuthentication', value: string(!empty(authClientId)) }
      ]
    }
  }
  dependsOn: [appStorageRoles]
}

// App Service authentication with Entra ID: a request with a token arrives with its principal; one without (an app
// with a function key or a named key) is let through to the key check, so both kinds of caller work.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(authClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: { clientId: authClientId, openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0' }
        validation: { allowedAudiences: [authClientId, 'api://${authClientId}'] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

// The app's identity: data-plane access to its storage (blobs, the Event Grid blob path's queues, tables),
// publishing metrics, and calling Azure OpenAI.
var appStorageRoleIds = [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]

resource appStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appStorageRoleIds: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

resource appMetricsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appOpenAiRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, identity.id, roles.cognitiveServicesOpenAIUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesOpenAIUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource search 'Microsoft.Search/searchServices@2023-11-01' = if (deploySearch) {
  name: searchServiceName
  location: location
  tags: tags
  sku: { name: deploySearch ? searchSku : 'basic' }
  properties: {
    replicaCount: searchReplicas
    partitionCount: searchPartitions
    hostingMode: 'default'
    publicNetworkAccess: 'enabled'
    disableLocalAuth: true
    semanticSearch: 'disabled'
  }
}

resource appSearchRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in searchRoleIds: if (deploySearch) {
  name: guid(resourceGroup().id, searchServiceName, identity.id, role)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

resource userSearchRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in searchRoleIds: if (deploySearch && !empty(principalId)) {
  name: guid(resourceGroup().id, searchServiceName, principalId, role)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: principalId
    principalType: principalType
  }
}]

resource appVaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The deploying user creates the subject key (the postprovision hook) and, with it, hashes as the app does from the CLI.
resource userVaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: principalId
    principalType: principalType
  }
}

// Optional: the deploying user, so `llmops` and the notebooks work against the cloud account with DefaultAzureCredential.
resource userStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appStorageRoleIds: if (!empty(principalId)) {
  name: guid(storage.id, principalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: principalId
    principalType: principalType
  }
}]

resource userOpenAiRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(openAi.id, principalId, roles.cognitiveServicesOpenAIUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesOpenAIUser)
    principalId: principalId
    principalType: principalType
  }
}

output functionAppName string = functionApp.name
output storageAccountName string = storage.name
output blobServiceUri string = storage.properties.primaryEndpoints.blob
output queueServiceUri string = storage.properties.primaryEndpoints.queue
output tableServiceUri string = storage.properties.primaryEndpoints.table
output openAiEndpoint string = openAi.properties.endpoint
output searchEndpoint string = deploySearch ? 'https://${searchServiceName}.search.windows.net' : ''
output keyVaultName string = vault.name
