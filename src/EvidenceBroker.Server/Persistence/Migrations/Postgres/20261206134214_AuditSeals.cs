using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AuditSeals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SealedFrom",
                table: "audit_checkpoints",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_seals",
                columns: table => new
                {
                    LastSequence = table.Column<long>(type: "bigint", nullable: false),
                    FirstSequence = table.Column<long>(type: "bigint", nullable: false),
                    LastHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    KeyId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Signature = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_seals", x => x.LastSequence);
                });

            // Seals are evidence too: the database refuses to change or remove one.
            migrationBuilder.Sql("CREATE TRIGGER audit_seals_no_update BEFORE UPDATE OR DELETE ON audit_seals FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_seals_no_update ON audit_seals;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_seals_no_truncate ON audit_seals;");

            migrationBuilder.DropTable(
                name: "audit_seals");

            migrationBuilder.DropColumn(
                name: "SealedFrom",
                table: "audit_checkpoints");
        }
    }
}
