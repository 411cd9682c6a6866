using System.Security.Cryptography;
using EvidenceBroker.Server.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Audit;

/// <summary>
/// A verification keeps the signatures it found valid (<see cref="VerifiedSignatures"/>), so that the next need not
/// check them again. A checkpoint or seal changed in the database in between is still reported, just as a verifier
/// that never saw it before reports it.
/// </summary>
public sealed class VerifiedSignaturesTests(TamperFixture broker) : IClassFixture<TamperFixture>
{
    private const string LastSeal = "WHERE \"LastSequence\" = (SELECT MAX(\"LastSequence\") FROM audit_seals)";

    /// <summary>
    /// What was changed, and how. A signature is replaced by another genuine one of the same key, over other bytes.
    /// The last seal lies after the checkpoint, so verification checks it rather than taking the checkpoint's word.
    /// </summary>
    public static TheoryData<string, string> Changes => new()
    {
        { "a checkpoint's signed field", "UPDATE audit_checkpoints SET \"SealedFrom\" = \"SealedFrom\" + 1" },
        { "a checkpoint's signature", "UPDATE audit_checkpoints SET \"Signature\" = (SELECT \"Signature\" FROM audit_seals ORDER BY \"LastSequence\" LIMIT 1)" },
        { "a seal's signed field", $"UPDATE audit_seals SET \"LastHash\" = (SELECT \"HeadHash\" FROM audit_checkpoints) {LastSeal}" },
        { "a seal's signature", $"UPDATE audit_seals SET \"Signature\" = (SELECT \"Signature\" FROM audit_checkpoints) {LastSeal}" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_row_changed_after_a_verification_is_reported_by_the_next_as_by_a_first_one(string changed, string change)
    {
        await using var db = await broker.CopyAsync();
        var verified = new VerifiedSignatures();
        using var key = new AuditSigningKey(PublicKey(), "verifying twice", verified: verified);
        var before = await AuditVerifier.VerifyAsync(db, key, CancellationToken.None);
        var kept = verified.Count;
        await db.Database.ExecuteSqlRawAsync(change);

        var again = await AuditVerifier.VerifyAsync(db, key, CancellationToken.None);
        using var neverVerified = new AuditSigningKey(PublicKey(), "verifying once");
        var first = await AuditVerifier.VerifyAsync(db, neverVerified, CancellationToken.None);

        Assert.True(before.Intact, before.Reason);
        Assert.True(kept >= 2, "the first verification kept the checkpoint's and the seals' signatures");
        Assert.False(again.Intact, $"{changed} was changed after the first verification");
        Assert.Contains("valid signature", again.Reason, StringComparison.Ordinal);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task The_broker_s_key_keeps_what_it_verified_in_the_registered_set()
    {
        await using var db = await broker.CopyAsync();
        var verified = broker.Services.GetRequiredService<VerifiedSignatures>();

        var result = await AuditVerifier.VerifyAsync(db, broker.Key, CancellationToken.None);

        Assert.True(result.Intact, result.Reason);
        Assert.True(verified.Count >= 2, $"kept {verified.Count}");
    }

    [Fact]
    public void It_keeps_no_more_signatures_than_its_capacity_and_still_answers_for_every_one()
    {
        var verified = new VerifiedSignatures(capacity: 2);
        using var key = new AuditSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), "bounded", verified: verified);
        var messages = Enumerable.Range(1, 5).Select(i => AuditSeal.SignedMessage(i, i, new string('a', 64))).ToArray();
        var signatures = messages.Select(key.Sign).ToArray();

        var firstRound = messages.Zip(signatures, (m, s) => key.Verify(key.KeyId, m, s)).ToList();
        var secondRound = messages.Zip(signatures, (m, s) => key.Verify(key.KeyId, m, s)).ToList();
        var swapped = key.Verify(key.KeyId, messages[0], signatures[1]);

        Assert.Equal(2, verified.Count);
        Assert.All(firstRound, Assert.True);
        Assert.All(secondRound, Assert.True);
        Assert.False(swapped, "a signature over other bytes");
    }

    /// <summary>The broker's public key alone, with a set of verified signatures of its own.</summary>
    private ECDsa PublicKey()
    {
        var key = ECDsa.Create();
        key.ImportFromPem(broker.Key.PublicKeyPem);
        return key;
    }
}
