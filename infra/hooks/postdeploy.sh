#!/bin/sh
# azd postdeploy: subscribe the Event Grid blob triggers (IngestDrop on raw/, LabelQA on labels/, IngestFeedback on feedback/) and publish the sample lifecycle.
# Idempotent: run it again and nothing changes. Needs the Azure CLI, signed in as the deploying user.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd up / azd deploy), which sets the environment outputs}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${AZURE_STORAGE_ACCOUNT_NAME:?}"

topic=$(az eventgrid system-topic list --resource-group "$AZURE_RESOURCE_GROUP" --query "[0].name" --output tsv)
if [ -z "$topic" ]; then
  echo "No Event Grid system topic in $AZURE_RESOURCE_GROUP: was infra/ provisioned?" >&2
  exit 1
fi

key=$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" --query "systemKeys.blobs_extension" --output tsv)
if [ -z "$key" ]; then
  echo "The function app has no blobs_extension key yet: the Event Grid blob trigger registers it at first start; retry in a minute." >&2
  exit 1
fi

host=$(az functionapp show --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" --query "defaultHostName" --output tsv)

# subscribe SUBSCRIPTION FUNCTION CONTAINER: blob-created events under CONTAINER/ go to the function's Event Grid blob trigger.
subscribe() {
  endpoint="https://${host}/runtime/webhooks/blobs?functionName=Host.Functions.$2&code=${key}"
  if az eventgrid system-topic event-subscription show --resource-group "$AZURE_RESOURCE_GROUP" --system-topic-name "$topic" --name "$1" >/dev/null 2>&1; then
    echo "Updating the Event Grid subscription $1"
    az eventgrid system-topic event-subscription update --resource-group "$AZURE_RESOURCE_GROUP" --system-topic-name "$topic" --name "$1" \
      --endpoint "$endpoint" --included-event-types Microsoft.Storage.BlobCreated \
      --subject-begins-with "/blobServices/default/containers/$3/" --output none
  else
    echo "Creating the Event Grid subscription $1"
    az eventgrid system-topic event-subscription create --resource-group "$AZURE_RESOURCE_GROUP" --system-topic-name "$topic" --name "$1" \
      --endpoint-type webhook --endpoint "$endpoint" --included-event-types Microsoft.Storage.BlobCreated \
      --subject-begins-with "/blobServices/default/containers/$3/" --output none
  fi
}

# One subscription per Event Grid blob trigger of the catalog (a test checks the list).
subscribe ingest-drop IngestDrop raw
subscribe label-qa LabelQA labels
subscribe ingest-feedback IngestFeedback feedback
echo "Event Grid subscriptions ingest-drop and label-qa are in place."

# The sample feature's lifecycle (overwritten in place, so a rerun publishes the same file).
az storage blob upload --auth-mode login --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --container-name config \
  --name lifecycles/support-answers.yaml --file samples/support-answers.lifecycle.yaml --overwrite --output none
echo "Published config/lifecycles/support-answers.yaml. Drop files under raw/tickets/ to ingest them."
