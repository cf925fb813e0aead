// Runs the body of an actions/github-script step the way the action does (an async function
// of github, context, core and require), with a fake Octokit that records every call and
// answers from the JSON fixture in $FIXTURE. Prints the recorded calls as JSON.
const fs = require('fs');
const fixture = JSON.parse(fs.readFileSync(process.env.FIXTURE, 'utf8'));
const calls = [];
const record = (name, result) => async (args) => { calls.push([name, args]); return result(args); };
const github = {
  paginate: async (fn, args) => (await fn(args)).data,
  rest: {
    issues: {
      listComments: record('listComments', () => ({ data: fixture.comments })),
      updateComment: record('updateComment', () => ({ data: {} })),
      createComment: record('createComment', () => ({ data: {} })),
    },
    repos: {
      listPullRequestsAssociatedWithCommit: record('listPulls', () => ({ data: fixture.pulls })),
    },
    actions: {
      getWorkflowRun: record('getWorkflowRun', () => ({ data: { workflow_id: 77 } })),
      listWorkflowRuns: record('listWorkflowRuns',
                               () => ({ data: { workflow_runs: fixture.runs } })),
      listWorkflowRunArtifacts: record('listArtifacts',
                                       () => ({ data: { artifacts: fixture.artifacts } })),
      downloadArtifact: record('downloadArtifact', () => {
        const bytes = Buffer.from(fixture.zip, 'base64');
        return { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
      }),
    },
  },
};
const context = { repo: { owner: 'acme', repo: 'ip' }, issue: { number: 12 }, sha: 'merge-sha',
                  runId: 5, serverUrl: 'https://github.com' };
const core = { notice: (m) => calls.push(['notice', m]), info: (m) => calls.push(['info', m]) };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const body = fs.readFileSync(process.env.SCRIPT, 'utf8');
new AsyncFunction('github', 'context', 'core', 'require', body)(github, context, core, require)
  .then(() => console.log(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
