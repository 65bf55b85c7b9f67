// n8n loads this package through the "n8n" field of package.json (dist/ paths);
// this entry point only gives Node's require() a valid target for the package.
module.exports = {};
