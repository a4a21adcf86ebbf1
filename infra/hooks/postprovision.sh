#!/bin/sh
# azd postprovision: create the subject key (the HMAC secret user and session ids and erased subjects are hashed with) in
# the deployment's Key Vault, once. Never replaced: a new key would change every hash already kept.
set -eu

: "${AZURE_KEY_VAULT_NAME:?run through azd (azd up / azd provision), which sets the environment outputs}"

if az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name subject-key --query id --output tsv >/dev/null 2>&1; then
  echo "The subject key is in $AZURE_KEY_VAULT_NAME already; kept."
else
  az keyvault secret set --vault-name "$AZURE_KEY_VAULT_NAME" --name subject-key --value "$(openssl rand -base64 48)" --output none
  echo "Created the subject key in $AZURE_KEY_VAULT_NAME."
fi
