using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PolicyPacksKeptAsStored : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A stored pack is the law decisions were made under: only its activation may change, and it is never removed.
            migrationBuilder.Sql("""
                CREATE FUNCTION policy_packs_kept_as_stored() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
                        RAISE EXCEPTION 'policy packs are kept as stored: only their activation changes';
                    END IF;
                    IF NEW."Version" IS DISTINCT FROM OLD."Version" OR NEW."Label" IS DISTINCT FROM OLD."Label"
                       OR NEW."EffectiveFrom" IS DISTINCT FROM OLD."EffectiveFrom" OR NEW."FilesJson" IS DISTINCT FROM OLD."FilesJson"
                       OR NEW."StoredAt" IS DISTINCT FROM OLD."StoredAt" OR NEW."StoredBy" IS DISTINCT FROM OLD."StoredBy" THEN
                        RAISE EXCEPTION 'policy packs are kept as stored: only their activation changes';
                    END IF;
                    RETURN NEW;
                END;
                $$;
                """);
            migrationBuilder.Sql("CREATE TRIGGER policy_packs_kept BEFORE UPDATE OR DELETE ON policy_packs FOR EACH ROW EXECUTE FUNCTION policy_packs_kept_as_stored();");
            migrationBuilder.Sql("CREATE TRIGGER policy_packs_no_truncate BEFORE TRUNCATE ON policy_packs FOR EACH STATEMENT EXECUTE FUNCTION policy_packs_kept_as_stored();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS policy_packs_kept ON policy_packs;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS policy_packs_no_truncate ON policy_packs;");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS policy_packs_kept_as_stored();");
        }
    }
}
