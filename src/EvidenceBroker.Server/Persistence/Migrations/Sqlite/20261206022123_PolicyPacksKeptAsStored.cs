using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PolicyPacksKeptAsStored : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A stored pack is the law decisions were made under: only its activation may change, and it is never removed.
            migrationBuilder.Sql("""
                CREATE TRIGGER policy_packs_kept BEFORE UPDATE ON policy_packs
                WHEN NEW."Version" IS NOT OLD."Version" OR NEW."Label" IS NOT OLD."Label" OR NEW."EffectiveFrom" IS NOT OLD."EffectiveFrom"
                  OR NEW."FilesJson" IS NOT OLD."FilesJson" OR NEW."StoredAt" IS NOT OLD."StoredAt" OR NEW."StoredBy" IS NOT OLD."StoredBy"
                BEGIN SELECT RAISE(ABORT, 'policy packs are kept as stored: only their activation changes'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER policy_packs_not_deleted BEFORE DELETE ON policy_packs
                BEGIN SELECT RAISE(ABORT, 'policy packs are kept as stored: only their activation changes'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS policy_packs_kept;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS policy_packs_not_deleted;");
        }
    }
}
