// Lint rules for Gatehouse: ESLint's and typescript-eslint's recommended sets, plus the habits
// STYLE.md asks for, enforced here rather than in prose.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'ui/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      'no-console': ['error', { allow: ['error', 'warn'] }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Use a const object: Node runs TypeScript by erasing types only.',
        },
        { selector: 'PropertyDefinition[key.name=/^_/]', message: 'Private state uses #private fields.' },
      ],
    },
  },
  {
    // Migrations are frozen in time and take Kysely<any> (STYLE.md).
    files: ['src/store/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
