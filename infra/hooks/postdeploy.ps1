# azd postdeploy (Windows): the same steps as postdeploy.sh.
$ErrorActionPreference = 'Stop'
foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_STORAGE_ACCOUNT_NAME') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: run through azd (azd up / azd deploy)." }
}
$group = $env:AZURE_RESOURCE_GROUP
$app = $env:AZURE_FUNCTION_APP_NAME

$topic = az eventgrid system-topic list --resource-group $group --query "[0].name" --output tsv
if (-not $topic) { throw "No Event Grid system topic in ${group}: was infra/ provisioned?" }
$key = az functionapp keys list --resource-group $group --name $app --query "systemKeys.blobs_extension" --output tsv
if (-not $key) { throw "The function app has no blobs_extension key yet: the Event Grid blob trigger registers it at first start; retry in a minute." }
$hostName = az functionapp show --resource-group $group --name $app --query "defaultHostName" --output tsv
# One subscription per Event Grid blob trigger of the catalog (a test checks the list).
foreach ($trigger in @(@('ingest-drop', 'IngestDrop', 'raw'), @('label-qa', 'LabelQA', 'labels'), @('ingest-feedback', 'IngestFeedback', 'feedback'))) {
    $subscription, $function, $container = $trigger
    $endpoint = "https://$hostName/runtime/webhooks/blobs?functionName=Host.Functions.$function&code=$key"
    az eventgrid system-topic event-subscription show --resource-group $group --system-topic-name $topic --name $subscription --output none 2>$null
    if ($LASTEXITCODE -eq 0) {
        az eventgrid system-topic event-subscription update --resource-group $group --system-topic-name $topic --name $subscription `
            --endpoint $endpoint --included-event-types Microsoft.Storage.BlobCreated `
            --subject-begins-with "/blobServices/default/containers/$container/" --output none
    } else {
        az eventgrid system-topic event-subscription create --resource-group $group --system-topic-name $topic --name $subscription `
            --endpoint-type webhook --endpoint $endpoint --included-event-types Microsoft.Storage.BlobCreated `
            --subject-begins-with "/blobServices/default/containers/$container/" --output none
    }
    if ($LASTEXITCODE -ne 0) { throw "Could not create or update the Event Grid subscription $subscription." }
}

az storage blob upload --auth-mode login --account-name $env:AZURE_STORAGE_ACCOUNT_NAME --container-name config `
    --name lifecycles/support-answers.yaml --file samples/support-answers.lifecycle.yaml --overwrite --output none
if ($LASTEXITCODE -ne 0) { throw 'Could not publish the sample lifecycle.' }
Write-Output 'Published config/lifecycles/support-answers.yaml. Drop files under raw/tickets/ to ingest them.'
