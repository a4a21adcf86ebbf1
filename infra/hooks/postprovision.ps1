# azd postprovision: create the subject key (the HMAC secret user and session ids and erased subjects are hashed with) in
# the deployment's Key Vault, once. Never replaced: a new key would change every hash already kept.
$ErrorActionPreference = 'Stop'
if (-not $env:AZURE_KEY_VAULT_NAME) { throw 'Run through azd (azd up / azd provision), which sets the environment outputs.' }

az keyvault secret show --vault-name $env:AZURE_KEY_VAULT_NAME --name subject-key --query id --output tsv 2>$null | Out-Null
if ($LASTEXITCODE -eq 0) {
  Write-Host "The subject key is in $($env:AZURE_KEY_VAULT_NAME) already; kept."
} else {
  $bytes = New-Object byte[] 48
  [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  az keyvault secret set --vault-name $env:AZURE_KEY_VAULT_NAME --name subject-key --value ([Convert]::ToBase64String($bytes)) --output none
  if ($LASTEXITCODE -ne 0) { throw 'Creating the subject key failed.' }
  Write-Host "Created the subject key in $($env:AZURE_KEY_VAULT_NAME)."
}
