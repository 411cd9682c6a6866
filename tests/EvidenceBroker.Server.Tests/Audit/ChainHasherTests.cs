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
}
