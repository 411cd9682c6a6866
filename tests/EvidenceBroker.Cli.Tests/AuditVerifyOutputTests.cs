using System.Net;

namespace EvidenceBroker.Cli.Tests;

/// <summary>
/// What <c>audit verify</c> prints beside the broker's verdict: what was checked, what was not, and what the exit code
/// means, for the answers a broker gives (no checkpoint signed yet, a checkpoint covered, a broken chain).
/// </summary>
public sealed class AuditVerifyOutputTests
{
    private const string Hash = "3f2a9c0e4b1d7f6a8c5e2b0d9f4a1c7e6b3d8f0a2c5e9b1d4f7a0c3e6b9d2f5a";

    [Fact]
    public async Task An_intact_chain_with_no_signed_checkpoint_says_a_cut_tail_was_not_checked_and_names_no_checkpoint_key()
    {
        var (code, output) = await VerifyAsync($$"""
            {"intact":true,"summary":"Intact up to 12 (12 entries; no signed checkpoint yet).","entries":12,"intactUpTo":12,
             "head":"12:{{Hash}}","brokenAt":null,"checkpoint":null,"keyId":"dev-1","verifiedAt":"2026-12-07T17:00:00+00:00"}
            """);

        Assert.Equal(0, code);
        Assert.Contains("Not checked: whether entries were cut off the end of the chain, since no checkpoint is signed yet", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Checkpoint key", output, StringComparison.Ordinal);
        Assert.Contains("Exit 0: the chain is intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_intact_chain_under_a_signed_checkpoint_names_the_checkpoint_it_was_held_against()
    {
        var (code, output) = await VerifyAsync($$"""
            {"intact":true,"summary":"Intact up to 12 (12 entries; signed checkpoint at 10 covered).","entries":12,"intactUpTo":12,"head":"12:{{Hash}}",
             "checkpoint":{"sequence":10,"headHash":"{{Hash}}","at":"2026-12-07T16:00:00+00:00","keyId":"dev-1","signatureValid":true,"covered":true},
             "keyId":"dev-1","verifiedAt":"2026-12-07T17:00:00+00:00"}
            """);

        Assert.Equal(0, code);
        Assert.Contains("the checkpoint signed at entry 10 with key dev-1 (it still matches the chain)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Not checked", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_chain_says_what_exit_1_means_and_does_not_ask_for_its_head_to_be_kept()
    {
        var (code, output) = await VerifyAsync($$"""
            {"intact":false,"summary":"Broken at entry 7: Entry 7: its hash does not match its content. Intact up to 6.","entries":12,"intactUpTo":6,
             "head":"6:{{Hash}}","brokenAt":7,"reason":"Entry 7: its hash does not match its content.","checkpoint":null,"keyId":"dev-1",
             "verifiedAt":"2026-12-07T17:00:00+00:00"}
            """);

        Assert.Equal(1, code);
        Assert.DoesNotContain("give it as --known-head", output, StringComparison.Ordinal);
        Assert.Contains("Exit 1: the chain is broken", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> VerifyAsync(string report)
    {
        using var handler = new Answering(request => request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"access_token\":\"t\",\"token_type\":\"Bearer\"}") }
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(report) });
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(
            ["audit", "verify", "--broker", "http://localhost", "--client-id", "ipco-oversight", "--client-secret", "dev-ipco-secret"],
            output, error, handler);
        return (code, output.ToString());
    }

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }
}
