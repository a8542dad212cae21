// keytar's API, each call refused: the keyring persistences of @azure/msal-node-extensions are
// not used by this repository's tests (see package.json).
const unavailable = () =>
  Promise.reject(
    new Error('keytar is not installed in this repository (see scripts/keytar-unavailable)'),
  )
module.exports = {
  getPassword: unavailable,
  setPassword: unavailable,
  deletePassword: unavailable,
  findPassword: unavailable,
  findCredentials: unavailable,
}
