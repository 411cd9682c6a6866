using System.Text;
using EvidenceBroker.Server.Audit;

namespace EvidenceBroker.Server.Tests.Audit;

public sealed class ChainHasherTests
{
    [Theory]
    [InlineData("officer", "Agency:GB/gb-met", null, "routed-to-provider")]
    [InlineData("Kommissarin Eva Braun-Lehmann §3 – ß", "Agency:DE/de-bka", "filed", null)]
    [InlineData("", "", "", "")]
    public void The_fast_encoding_is_byte_for_byte_the_canonical_one(string actor, string tenant, string? before, string? after)
    {
        var at = new DateTimeOffset(2026, 11, 23, 9, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var canonical = AuditHashing.Canonical(42, at, actor, "officer", tenant, "request.filed", "request", "id-1", before, after, "2026.11", new string('a', 64), AuditHashing.Genesis);
        var hasher = new ChainHasher();

        var matches = hasher.HashMatches(42, at, actor, "officer", tenant, "request.filed", "request", "id-1", before, after, "2026.11",
            new string('a', 64), AuditHashing.Genesis, AuditHashing.Sha256Hex(canonical));

        Assert.Equal(canonical, Encoding.UTF8.GetString(hasher.LastEncoding));
        Assert.True(matches);
    }

    [Theory]
    [InlineData("met-case-system")]
    [InlineData("Kommissarin Eva Braun-Lehmann §3 – ß")]
    [InlineData("証拠 🔐")]
    [InlineData("")]
    public void Stored_UTF8_encodes_as_its_string_does(string text)
    {
        // The length prefix counts UTF-16 characters: "🔐" is two of them and four bytes.
        Assert.Equal(Encoded(h => h.Append(text)), Encoded(h => h.Append(Encoding.UTF8.GetBytes(text))));
    }

    [Fact]
    public void Stored_bytes_that_are_not_UTF8_encode_as_the_string_they_read_back_as()
    {
        byte[] stored = [(byte)'a', 0xC3, (byte)'b', 0xFF];

        Assert.Equal(Encoded(h => h.Append(Encoding.UTF8.GetString(stored))), Encoded(h => h.Append(stored)));
    }

    [Fact]
    public void Instants_within_and_across_seconds_encode_as_the_canonical_format()
    {
        var hasher = new ChainHasher();
        var start = new DateTimeOffset(2026, 12, 31, 23, 59, 58, TimeSpan.FromHours(-5)).AddTicks(9_990_000);
        foreach (var at in new[] { start, start.AddTicks(1_000), start.AddTicks(10_000), start.AddSeconds(1), start.AddDays(-400), DateTimeOffset.MinValue })
        {
            hasher.HashMatches(1, at, "", "", "", "", "", "", null, null, null, "", "", "");

            Assert.Equal(AuditHashing.Canonical(1, at, "", "", "", "", "", "", null, null, null, "", ""), Encoding.UTF8.GetString(hasher.LastEncoding));
        }
    }

    private static byte[] Encoded(Action<ChainHasher> append)
    {
        var hasher = new ChainHasher();
        hasher.Begin(7, DateTimeOffset.UnixEpoch);
        append(hasher);
        return hasher.LastEncoding.ToArray();
    }
}
