"""Initial internships schema: postings, applications, placements, logbook entries, evaluations, ratings, the learners
and organisations projections, the taxonomy, outbox, inbox."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from dovetail_shared.migrations import create_messaging_tables, create_taxonomy_tables
from dovetail_shared.projections.organizations import create_organizations_projection

revision, down_revision = "0001", None

SCHEMA = "internships"


def upgrade() -> None:
    op.create_table('applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posting_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Uuid(), nullable=False),
    sa.Column('learner_ref', sa.Uuid(), nullable=False),
    sa.Column('college_id', sa.Uuid(), nullable=False),
    sa.Column('cover_letter', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='internships'
    )
    op.create_index('ix_internships_applications_college', 'applications', ['college_id', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_applications_firm', 'applications', ['firm_id', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_applications_learner', 'applications', ['learner_ref', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_applications_posting', 'applications', ['posting_id', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('uq_internships_applications_live', 'applications', ['posting_id', 'learner_ref'], unique=True, schema='internships', postgresql_where=sa.text("status IN ('submitted', 'shortlisted', 'offered')"))
    op.create_table('evaluations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placement_id', sa.Uuid(), nullable=False),
    sa.Column('learner_ref', sa.Uuid(), nullable=False),
    sa.Column('evaluator_role', sa.Text(), nullable=False),
    sa.Column('evaluator_sub', sa.Text(), nullable=False),
    sa.Column('scores', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('grade', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='internships'
    )
    op.create_index('ix_internships_evaluations_learner', 'evaluations', ['learner_ref'], unique=False, schema='internships')
    op.create_index('uq_internships_evaluations_role', 'evaluations', ['placement_id', 'evaluator_role'], unique=True, schema='internships')
    op.create_table('ratings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placement_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Uuid(), nullable=False),
    sa.Column('learner_ref', sa.Uuid(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('placement_id'),
    schema='internships'
    )
    op.create_index('ix_internships_ratings_firm', 'ratings', ['firm_id'], unique=False, schema='internships')
    op.create_index('ix_internships_ratings_learner', 'ratings', ['learner_ref'], unique=False, schema='internships')
    op.create_table('known_consents',
    sa.Column('consent_id', sa.UUID(), nullable=False),
    sa.Column('learner_ref', sa.UUID(), nullable=False),
    sa.Column('firm_id', sa.UUID(), nullable=True),
    sa.Column('program_id', sa.UUID(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consent_id'),
    schema='internships'
    )
    op.create_index('ix_internships_known_consents_learner', 'known_consents', ['learner_ref'], unique=False, schema='internships')
    op.create_table('known_enrolments',
    sa.Column('learner_ref', sa.UUID(), nullable=False),
    sa.Column('cohort_id', sa.UUID(), nullable=False),
    sa.Column('program_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('learner_ref', 'cohort_id'),
    schema='internships'
    )
    op.create_table('known_learners',
    sa.Column('ref', sa.UUID(), nullable=False),
    sa.Column('college_id', sa.UUID(), nullable=False),
    sa.Column('account_digest', sa.Text(), nullable=True),
    sa.Column('turns_16_on', sa.Date(), nullable=True),
    sa.Column('turns_18_on', sa.Date(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('ref'),
    schema='internships'
    )
    op.create_index('ix_internships_known_learners_account', 'known_learners', ['account_digest'], unique=False, schema='internships')
    op.create_table('known_programs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('college_id', sa.UUID(), nullable=False),
    sa.Column('partner_ids', postgresql.ARRAY(sa.UUID()), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='internships'
    )
    op.create_table('logbook_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placement_id', sa.Uuid(), nullable=False),
    sa.Column('learner_ref', sa.Uuid(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('break_minutes', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('tasks', sa.Text(), nullable=True),
    sa.Column('skills', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('signed_by', sa.Text(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='internships'
    )
    op.create_index('ix_internships_logbook_learner', 'logbook_entries', ['learner_ref'], unique=False, schema='internships')
    op.create_index('ix_internships_logbook_placement', 'logbook_entries', ['placement_id', 'entry_date', 'id'], unique=False, schema='internships')
    op.create_table('placements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posting_id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Uuid(), nullable=False),
    sa.Column('college_id', sa.Uuid(), nullable=False),
    sa.Column('learner_ref', sa.Uuid(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('mentor_sub', sa.Text(), nullable=True),
    sa.Column('teacher_sub', sa.Text(), nullable=True),
    sa.Column('learner_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('firm_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('college_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('insurance_policy_number', sa.Text(), nullable=True),
    sa.Column('insurer', sa.Text(), nullable=True),
    sa.Column('insurance_valid_from', sa.Date(), nullable=True),
    sa.Column('insurance_valid_to', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('termination_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id'),
    schema='internships'
    )
    op.create_index('ix_internships_placements_college', 'placements', ['college_id', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_placements_firm', 'placements', ['firm_id', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_placements_learner', 'placements', ['learner_ref', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_placements_mentor', 'placements', ['mentor_sub', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_placements_posting', 'placements', ['posting_id'], unique=False, schema='internships')
    op.create_index('ix_internships_placements_teacher', 'placements', ['teacher_sub', 'created_at', 'id'], unique=False, schema='internships')
    op.create_table('postings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('firm_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('positions', sa.Integer(), nullable=False),
    sa.Column('skills', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('stipend', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('post_wage', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('firm_staff', sa.Integer(), nullable=False),
    sa.Column('post_staff', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=True),
    sa.Column('cohort_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('placed', sa.Integer(), nullable=False),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    schema='internships'
    )
    op.create_index('ix_internships_postings_created', 'postings', ['created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_postings_firm', 'postings', ['firm_id', 'created_at', 'id'], unique=False, schema='internships')
    op.create_index('ix_internships_postings_status', 'postings', ['status', 'created_at', 'id'], unique=False, schema='internships')
    create_organizations_projection(op, SCHEMA)
    create_taxonomy_tables(op, SCHEMA)
    create_messaging_tables(op, SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
