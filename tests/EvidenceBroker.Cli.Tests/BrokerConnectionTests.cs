using System.Net;

namespace EvidenceBroker.Cli.Tests;

/// <summary>
/// A broker that cannot be asked is "unavailable" (exit 3), never a verdict: for <c>audit verify</c>, exit 1 means the
/// chain is broken.
/// </summary>
public sealed class BrokerConnectionTests
{
    [Fact]
    public async Task A_broker_that_does_not_answer_in_time_is_unavailable_not_a_broken_chain()
    {
        using var handler = new Answering(_ => throw new TaskCanceledException("timed out", new TimeoutException()));

        var (code, error) = await VerifyAsync(handler);

        Assert.Equal(3, code);
        Assert.Contains("did not answer within", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_answer_without_a_token_is_unavailable()
    {
        using var handler = new Answering(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token_type\":\"Bearer\"}") });

        var (code, error) = await VerifyAsync(handler);

        Assert.Equal(3, code);
        Assert.Contains("did not answer like an Evidence Broker", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_that_cannot_be_a_header_is_unavailable_not_a_stack_trace()
    {
        using var handler = new Answering(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"access_token\":\"two\\r\\nlines\"}") });

        var (code, error) = await VerifyAsync(handler);

        Assert.Equal(3, code);
        Assert.Contains("did not answer like an Evidence Broker", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_fails_is_said_to_have_failed_not_to_have_refused_the_client()
    {
        using var handler = new Answering(request => request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal)
            ? Token()
            : new HttpResponseMessage(HttpStatusCode.InternalServerError));

        var (code, error) = await VerifyAsync(handler);

        Assert.Equal(3, code);
        Assert.Contains("The broker failed to answer (500)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("must be an oversight", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"entries\":12}")]
    [InlineData("[]")]
    [InlineData("\"OK\"")]
    public async Task A_verification_answer_without_its_verdict_is_unavailable_not_a_stack_trace(string answer)
    {
        using var handler = new Answering(request => request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal)
            ? Token()
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer) });

        var (code, error) = await VerifyAsync(handler);

        Assert.Equal(3, code);
        Assert.Contains("did not answer like an Evidence Broker", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_server_that_limits_the_client_says_so_rather_than_that_the_credentials_are_wrong()
    {
        using var handler = new Answering(_ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(30)) } });

        var (code, error) = await VerifyAsync(handler);

        Assert.Equal(3, code);
        Assert.Contains("try again in 30 s (429)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("refused the client credentials", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_given_on_the_command_line_is_used_with_a_warning_to_use_the_environment_instead()
    {
        using var handler = new Answering(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized));

        var (_, error) = await VerifyAsync(handler);

        Assert.Contains("set EVIDENCEBROKER_CLIENT_SECRET instead", error, StringComparison.Ordinal);
        Assert.Contains("refused the client credentials", error, StringComparison.Ordinal); // it was sent all the same
    }

    private static HttpResponseMessage Token() =>
        new(HttpStatusCode.OK) { Content = new StringContent("{\"access_token\":\"t\",\"token_type\":\"Bearer\"}") };

    [Fact]
    public async Task Plain_http_to_another_machine_is_refused_before_the_secret_is_sent()
    {
        var sent = false;
        using var handler = new Answering(_ =>
        {
            sent = true;
            return new HttpResponseMessage(HttpStatusCode.OK);
        });

        var (code, error) = await VerifyAsync(handler, "http://broker.example");

        Assert.Equal(2, code);
        Assert.Contains("--broker", error, StringComparison.Ordinal);
        Assert.False(sent);
    }

    private static async Task<(int Code, string Error)> VerifyAsync(HttpMessageHandler handler, string broker = "http://localhost")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(
            ["audit", "verify", "--broker", broker, "--client-id", "ipco-oversight", "--client-secret", "dev-ipco-secret"],
            output, error, handler);
        return (code, error.ToString());
    }

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }
}
